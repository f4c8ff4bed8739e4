import { describe, expect, it } from 'vitest';
import { LatestByKey } from './latest-by-key';

/** A cache whose values are labelled objects, recording what it released. */
function cache() {
  const released: string[] = [];
  const loads: string[] = [];
  const latest = new LatestByKey<{ label: string }>((v) => released.push(v.label));
  const get = (key: string) =>
    latest.get(key, async () => {
      loads.push(key);
      return { label: key };
    });
  return { latest, get, released, loads };
}

describe('LatestByKey', () => {
  it('loads once per key and hands back the same value while the key stays', async () => {
    const c = cache();
    const a = await c.get('p1 100');
    expect(await c.get('p1 100')).toBe(a);
    expect(c.loads).toEqual(['p1 100']);
    expect(c.released).toEqual([]);
  });

  it('releases the old value when the key changes (another project, or a file written anew)', async () => {
    const c = cache();
    await c.get('p1 100');
    await c.get('p1 200');
    await c.get('p2 300');
    await Promise.resolve();
    expect(c.loads).toEqual(['p1 100', 'p1 200', 'p2 300']);
    expect(c.released).toEqual(['p1 100', 'p1 200']);
  });

  it('drop releases the value held, and the next ask loads again', async () => {
    const c = cache();
    await c.get('p1 100');
    c.latest.drop();
    await Promise.resolve();
    expect(c.released).toEqual(['p1 100']);
    await c.get('p1 100');
    expect(c.loads).toEqual(['p1 100', 'p1 100']);
  });

  it('does not keep a load that failed, and releases nothing for it', async () => {
    const released: string[] = [];
    const latest = new LatestByKey<string>((v) => released.push(v));
    await expect(latest.get('k', () => Promise.reject(new Error('no file')))).rejects.toThrow('no file');
    expect(await latest.get('k', async () => 'second')).toBe('second');
    latest.drop();
    await Promise.resolve();
    expect(released).toEqual(['second']);
  });

  it('dropUnless keeps a value whose key passes and releases one that does not (another project opened)', async () => {
    const c = cache();
    await c.get('p1 100');
    c.latest.dropUnless((key) => key.startsWith('p1 '));
    expect(c.released).toEqual([]);
    await c.get('p1 100');
    expect(c.loads).toEqual(['p1 100']);
    c.latest.dropUnless((key) => key.startsWith('p2 '));
    await Promise.resolve();
    expect(c.released).toEqual(['p1 100']);
    await c.get('p1 100');
    expect(c.loads).toEqual(['p1 100', 'p1 100']);
  });
});
