/**
 * libs/contracts names Node's Buffer in the signature of its Kafka decoder, which the console never
 * calls. The browser has no Buffer; this gives the name a type without bringing Node's globals
 * (process, require) into the browser code.
 */
interface Buffer extends Uint8Array {
  toString(encoding?: string): string;
}
