// The computation error codes of SPEC §1. Every rejection names one of them.

export type ComputeErrorCode = 'invalid_amount' | 'invalid_input' | 'limit_exceeded' | 'no_price';

export class GridsettleError extends Error {
  readonly code: ComputeErrorCode;

  constructor(code: ComputeErrorCode, message: string) {
    super(message);
    this.name = 'GridsettleError';
    this.code = code;
  }

  toJSON(): { error: { code: ComputeErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function invalidInput(message: string): GridsettleError {
  return new GridsettleError('invalid_input', message);
}

export function limitExceeded(limitName: string, message: string): GridsettleError {
  return new GridsettleError('limit_exceeded', `${limitName}: ${message}`);
}
