import { Injectable, PipeTransform } from '@nestjs/common';
import { ProblemException } from '@complaints/platform';

/** A seq fits a Postgres bigint; 18 digits keep every accepted value below 2^63. */
const SEQ = /^[1-9][0-9]{0,17}$/;

/**
 * An archive sequence number from the query string: plain ASCII digits, 1 or more, no sign,
 * no leading zero, no exponent, at most 18 digits. Anything else is a 400 naming the parameter.
 * The value stays a string, as bigint columns come back from the database.
 */
@Injectable()
export class ParseSeqPipe implements PipeTransform<unknown, string | undefined> {
  constructor(private readonly name: string) {}

  transform(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && SEQ.test(value)) return value;
    throw new ProblemException({
      type: 'https://complaints.example/problems/validation',
      title: 'The request is not valid',
      status: 400,
      detail: `query parameter ${this.name} must be an archive sequence number: a whole number from 1, in plain digits`,
      errors: [{ path: `query:${this.name}`, message: 'must be a whole number from 1, in plain digits (at most 18)' }],
    });
  }
}
