import { Collection } from 'mongodb';

type WriteMethod = 'insertOne' | 'insertMany' | 'findOneAndUpdate' | 'deleteOne' | 'replaceOne';

/**
 * Makes the next `method` call on the named collection fail before it reaches the database, as
 * if the process died or the database went away at that moment; every other call goes to the
 * real database untouched. Returns a function that undoes it (also done after the one failure).
 */
export function failNextWrite(collectionName: string, method: WriteMethod): () => void {
  const proto = Collection.prototype as unknown as Record<WriteMethod, (this: Collection, ...args: unknown[]) => Promise<unknown>>;
  const original = proto[method];
  const restore = () => {
    proto[method] = original;
  };
  proto[method] = function (this: Collection, ...args: unknown[]) {
    if (this.collectionName !== collectionName) return original.apply(this, args);
    restore();
    return Promise.reject(new Error(`injected failure of ${collectionName}.${method}`));
  };
  return restore;
}

/**
 * Holds the next `method` call on the named collection for `ms` before it goes to the real
 * database, as a slow network or a paused process would: `reached` resolves when the call is
 * being held, so a test can act inside that window. Returns the promise and an undo.
 */
export function delayNextWrite(collectionName: string, method: WriteMethod, ms: number): { reached: Promise<void>; restore: () => void } {
  const proto = Collection.prototype as unknown as Record<WriteMethod, (this: Collection, ...args: unknown[]) => Promise<unknown>>;
  const original = proto[method];
  const restore = () => {
    proto[method] = original;
  };
  let signal: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (signal = resolve));
  proto[method] = function (this: Collection, ...args: unknown[]) {
    if (this.collectionName !== collectionName) return original.apply(this, args);
    restore();
    signal();
    return new Promise((resolve) => setTimeout(resolve, ms)).then(() => original.apply(this, args));
  };
  return { reached, restore };
}
