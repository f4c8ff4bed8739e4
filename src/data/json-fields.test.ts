import { describe, expect, it } from 'vitest';
import { JsonFields } from './json-fields';

describe('JsonFields', () => {
  const f = new JsonFields('config.json');

  it('returns values of the asked type', () => {
    expect(f.object({ a: 1 }, 'x')).toEqual({ a: 1 });
    expect(f.string('s', 'x')).toBe('s');
    expect(f.number(3, 'x', { integer: true, positive: true })).toBe(3);
    expect(f.boolean(false, 'x')).toBe(false);
    expect(f.array([1], 'x')).toEqual([1]);
    expect(f.oneOf('b', 'x', ['a', 'b'])).toBe('b');
    expect(f.optional(undefined, () => 1)).toBeUndefined();
    expect(f.optional(2, (v) => f.number(v, 'x'))).toBe(2);
  });

  it('names the document, the field and the problem', () => {
    expect(() => f.string(undefined, 'model.name')).toThrow('config.json: model.name is missing');
    expect(() => f.object([], 'model')).toThrow('config.json: model must be an object, got []');
    expect(() => f.string('', 'name')).toThrow('config.json: name must be a non-empty string, got ""');
    expect(() => f.number('1', 'steps')).toThrow('config.json: steps must be a number, got "1"');
    expect(() => f.number(1.5, 'steps', { integer: true })).toThrow('config.json: steps must be an integer, got 1.5');
    expect(() => f.number(0, 'steps', { positive: true })).toThrow('config.json: steps must be positive, got 0');
    expect(() => f.number(-1, 'id', { nonNegative: true })).toThrow('config.json: id must be ≥ 0, got -1');
    expect(() => f.boolean(1, 'on')).toThrow('config.json: on must be true or false, got 1');
    expect(() => f.array({}, 'hooks')).toThrow('config.json: hooks must be an array, got {}');
    expect(() => f.oneOf('c', 'mode', ['a', 'b'])).toThrow('config.json: mode is "c"; should be one of: a, b');
  });
});
