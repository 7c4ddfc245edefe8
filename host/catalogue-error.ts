// The base of the HTTP error catalogues (ingest, API, flows): every error a
// route throws on purpose carries a stable code and the status that code
// always answers with; the body is {error: {code, message}}.
export abstract class CatalogueError<Code extends string = string, Status extends number = number> extends Error {
  readonly code: Code;
  readonly status: Status;

  protected constructor(name: string, code: Code, status: Status, message: string) {
    super(message);
    this.name = name;
    this.code = code;
    this.status = status;
  }
}
