// Diagrams the load benches deploy.

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"';

/** Start → user task for sales → end: the API scenario (start, list, complete). */
export const APPROVAL_KEY = 'load-approval';
export const APPROVAL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="load-approval-defs" targetNamespace="http://karvon.bench">
  <bpmn:process id="${APPROVAL_KEY}" name="Load approval" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="approve" name="Approve">
      <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>`;

/** One user task whose group, assignee and priority come from the start variables. */
export const INBOX_KEY = 'load-inbox';
export const INBOX = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="load-inbox-defs" targetNamespace="http://karvon.bench">
  <bpmn:process id="${INBOX_KEY}" name="Load inbox" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="review" name="Review order">
      <bpmn:extensionElements>
        <zeebe:assignmentDefinition assignee="=assignee" candidateGroups="=group"/>
        <zeebe:priorityDefinition priority="=priority"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>`;
