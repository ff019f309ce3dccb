/**
 * The public reference files the tests read (Knative CRDs and the func.yaml schema, the official
 * CloudEvents conformance vectors, LoRaWAN uplink fixtures), copied from ../shared/reference into
 * test/reference so that a clone anywhere tests the same. test/reference.test.ts keeps the copy
 * equal to ../shared/reference wherever that exists.
 */
import { join } from 'node:path';

export const REFERENCE = join(__dirname, '..', 'reference');

export const reference = (...parts: string[]): string => join(REFERENCE, ...parts);
