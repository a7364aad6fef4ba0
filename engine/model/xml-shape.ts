// A linear pre-scan of diagram text, before any parser sees it: the parser and the compiler
// build and walk the element tree recursively, so a diagram nested 100 000 deep would exhaust
// the stack, and a multi-megabyte attribute would end up as a process name in every listing.
// The scan only tracks tags, quotes, comments and CDATA; well-formedness is the parser's job.

import { XmlError, type ErrorDetail } from '../errors.ts';
import { engineLimits } from '../limits.ts';

export function position(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: index - last };
}

function at(text: string, index: number, message: string): ErrorDetail {
  const p = position(text, index);
  return { line: p.line, column: p.column, path: `${p.line}:${p.column}`, message };
}

/** Throws an XmlError naming line and column when the diagram is nested too deep or an attribute is too long. */
export function checkXmlShape(name: string, xml: string): void {
  const { maxXmlDepth, maxXmlAttributeLength } = engineLimits();
  let depth = 0;
  let i = xml.indexOf('<');
  while (i !== -1 && i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      i = skipPast(xml, i, '-->');
    } else if (xml.startsWith('<![CDATA[', i)) {
      i = skipPast(xml, i, ']]>');
    } else if (xml[i + 1] === '?' || xml[i + 1] === '!') {
      i = skipPast(xml, i, '>');
    } else if (xml[i + 1] === '/') {
      depth--;
      i = skipPast(xml, i, '>');
    } else {
      const end = startTagEnd(name, xml, i, maxXmlAttributeLength);
      if (xml[end - 1] !== '/') {
        depth++;
        if (depth > maxXmlDepth) {
          throw new XmlError(`${name}: elements are nested more than ${maxXmlDepth} levels deep`, [
            at(xml, i, `nesting deeper than ${maxXmlDepth} levels (KARVON_MAX_XML_DEPTH)`),
          ]);
        }
      }
      i = end + 1;
    }
    i = xml.indexOf('<', i);
  }
}

function skipPast(xml: string, from: number, terminator: string): number {
  const end = xml.indexOf(terminator, from);
  return end === -1 ? xml.length : end + terminator.length;
}

/** Index of the `>` closing the start tag at `from`, checking each quoted value's length on the way. */
function startTagEnd(name: string, xml: string, from: number, maxLength: number): number {
  for (let i = from + 1; i < xml.length; i++) {
    const c = xml[i];
    if (c === '>') return i;
    if (c === '"' || c === "'") {
      const close = xml.indexOf(c, i + 1);
      const end = close === -1 ? xml.length : close;
      if (end - i - 1 > maxLength) {
        throw new XmlError(`${name}: an attribute value is longer than ${maxLength} characters`, [
          at(xml, i, `attribute value of ${end - i - 1} characters; the limit is ${maxLength} (KARVON_MAX_XML_ATTRIBUTE_LENGTH)`),
        ]);
      }
      i = end;
    }
  }
  return xml.length;
}
