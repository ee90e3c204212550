import { describe, expect, it } from 'vitest';
import { portable } from './CompiledTool.ts';

describe('the advertised schema spelling', () => {
  it('writes a type array as anyOf branches, each with the constraints, annotations kept outside', () => {
    expect(portable({ description: 'Name', type: ['string', 'null'], maxLength: 3 })).toEqual({
      description: 'Name',
      anyOf: [{ type: 'string', maxLength: 3 }, { type: 'null' }],
    });
  });

  it('writes a bare value schema as true, and leaves data keywords as written', () => {
    const schema = {
      type: 'object',
      properties: { type: { type: ['string', 'number'] }, rows: { additionalProperties: {} } },
      default: { type: ['a', 'b'] },
      enum: [{ type: ['x', 'null'] }],
    };
    expect(portable(schema)).toEqual({
      type: 'object',
      properties: {
        type: { anyOf: [{ type: 'string' }, { type: 'number' }] },
        rows: { additionalProperties: true },
      },
      default: { type: ['a', 'b'] },
      enum: [{ type: ['x', 'null'] }],
    });
  });
});
