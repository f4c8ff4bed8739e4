import { describe, expect, it } from 'vitest';
import { ResidentUploads } from './resident-uploads';

/** A stand-in GPU copy that records its destruction. */
function copy(label: string, destroyed: string[]) {
  return { label, destroy: () => destroyed.push(label) };
}

describe('ResidentUploads', () => {
  it('uploads once per key and device; passes borrow the same copy', () => {
    const destroyed: string[] = [];
    const uploads = new ResidentUploads<object, ReturnType<typeof copy>>();
    const sae = {};
    const device = {};
    let made = 0;
    const upload = () => copy(`sae#${++made}`, destroyed);
    uploads.keep(sae, device, upload);
    uploads.keep(sae, device, upload);
    const a = uploads.borrow(sae, device)!;
    const b = uploads.borrow(sae, device)!;
    expect(made).toBe(1);
    expect(a.value).toBe(b.value);
    a.done();
    b.done();
    expect(destroyed).toEqual([]);
  });

  it('serves no other device and no other key', () => {
    const uploads = new ResidentUploads<object, ReturnType<typeof copy>>();
    const sae = {};
    uploads.keep(sae, {}, () => copy('sae', []));
    expect(uploads.borrow(sae, {})).toBeNull();
    expect(uploads.borrow({}, {})).toBeNull();
  });

  it('retiring destroys a copy nobody uses at once, and one in use when its last pass is done', () => {
    const destroyed: string[] = [];
    const uploads = new ResidentUploads<object, ReturnType<typeof copy>>();
    const device = {};
    const idle = {};
    const busy = {};
    uploads.keep(idle, device, () => copy('idle', destroyed));
    uploads.keep(busy, device, () => copy('busy', destroyed));
    const pass = uploads.borrow(busy, device)!;
    uploads.retire(idle);
    uploads.retire(busy);
    expect(destroyed).toEqual(['idle']);
    // A retired copy is found by no new pass.
    expect(uploads.borrow(busy, device)).toBeNull();
    pass.done();
    pass.done();
    expect(destroyed).toEqual(['idle', 'busy']);
  });

  it('keeping a key on another device retires the old copy', () => {
    const destroyed: string[] = [];
    const uploads = new ResidentUploads<object, ReturnType<typeof copy>>();
    const sae = {};
    const [first, second] = [{}, {}];
    uploads.keep(sae, first, () => copy('on first', destroyed));
    uploads.keep(sae, second, () => copy('on second', destroyed));
    expect(destroyed).toEqual(['on first']);
    expect(uploads.borrow(sae, second)!.value.label).toBe('on second');
  });
});
