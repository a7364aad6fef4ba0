// Typed failures that cross the engine's boundary. The server maps `status` to HTTP as is.

export interface ErrorDetail {
  /** Element id, field path, or `line:column` for XML. */
  path?: string;
  elementId?: string;
  elementType?: string;
  line?: number;
  column?: number;
  message: string;
}

export class KarvonError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export class ValidationError extends KarvonError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(400, 'VALIDATION_FAILED', message, details);
  }
}

export class NotFoundError extends KarvonError {
  constructor(message: string) {
    super(404, 'NOT_FOUND', message);
  }
}

export class ConflictError extends KarvonError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(409, 'CONFLICT', message, details);
  }
}

export class ForbiddenError extends KarvonError {
  constructor(message: string) {
    super(403, 'FORBIDDEN', message);
  }
}

/** Valid input that the engine will not run: unsupported elements, broken references. */
export class DeploymentRejected extends KarvonError {
  constructor(message: string, details: ErrorDetail[]) {
    super(422, 'DEPLOYMENT_REJECTED', message, details);
  }
}

/** Malformed BPMN XML: details carry line and column. */
export class XmlError extends KarvonError {
  constructor(message: string, details: ErrorDetail[]) {
    super(400, 'INVALID_XML', message, details);
  }
}
