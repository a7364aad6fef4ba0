// The product is a list of modules: bpmn-js's Modeler plus the Zeebe properties panel, element
// templates, the minimap and Karvon's own modules. Nothing here edits bpmn-js itself.

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-element-templates/dist/assets/element-templates.css';
import '@bpmn-io/element-template-chooser/dist/element-template-chooser.css';
import 'diagram-js-minimap/assets/diagram-js-minimap.css';
import '@camunda/linting/assets/linting.css';

import Modeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, ZeebePropertiesProviderModule } from 'bpmn-js-properties-panel';
import { CloudElementTemplatesPropertiesProviderModule } from 'bpmn-js-element-templates';
import ElementTemplateChooserModule from '@bpmn-io/element-template-chooser';
import MinimapModule from 'diagram-js-minimap';
import ZeebeBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-cloud';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';
import modelerModdle from 'modeler-moddle/resources/modeler.json';

import ExecutionPlatformModule, { EXECUTION_PLATFORM, EXECUTION_PLATFORM_VERSION } from './modules/execution-platform/index.ts';
import ProblemsModule from './modules/problems/index.ts';
import DraftsModule from './modules/drafts/index.ts';
import WatchModule from './modules/watch/index.ts';
import KeepDiModule from './modules/keep-di/index.ts';

export const moddleExtensions = { zeebe: zeebeModdle, modeler: modelerModdle };

export function createModeler(container: HTMLElement, propertiesParent: HTMLElement): Modeler {
  return new Modeler({
    container,
    propertiesPanel: { parent: propertiesParent },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      ZeebePropertiesProviderModule,
      ZeebeBehaviorsModule,
      CloudElementTemplatesPropertiesProviderModule,
      ElementTemplateChooserModule,
      MinimapModule,
      ExecutionPlatformModule,
      ProblemsModule,
      DraftsModule,
      KeepDiModule,
    ],
    moddleExtensions,
  });
}

/** Read-only diagrams: older versions, watching a version, one instance. */
export function createViewer(container: HTMLElement): NavigatedViewer {
  return new NavigatedViewer({ container, additionalModules: [WatchModule, MinimapModule], moddleExtensions });
}

let newId = 0;
function shortId(): string {
  newId += 1;
  return `${Date.now().toString(36)}${newId}`;
}

/** A new diagram: one start event, marked as a Camunda 8 diagram, with an executable process. */
export function blankDiagram(): string {
  const id = shortId();
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_${id}" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Karvon Designer" exporterVersion="0.1.0" modeler:executionPlatform="${EXECUTION_PLATFORM}" modeler:executionPlatformVersion="${EXECUTION_PLATFORM_VERSION}">
  <bpmn:process id="Process_${id}" name="New process" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="Start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_${id}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="182" y="142" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="188" y="185" width="24" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}
