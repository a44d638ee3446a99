/** Reuses a rendered fragment while the data it was rendered from is the same objects. */

/** Remembers one rendering per key, valid while every input is identical (===) to the last ones. */
export interface RenderCache {
  /** The cached text when `inputs` are the very objects it was rendered from; else renders anew. */
  get(key: string, inputs: readonly unknown[], render: () => Promise<string>): Promise<string>;
}

/** Creates an empty cache; it holds at most one rendering per key. */
export function createRenderCache(): RenderCache {
  const entries = new Map<string, { inputs: readonly unknown[]; text: Promise<string> }>();
  return {
    get(key, inputs, render) {
      const hit = entries.get(key);
      if (
        hit && hit.inputs.length === inputs.length && hit.inputs.every((x, i) => x === inputs[i])
      ) {
        return hit.text;
      }
      const text = render();
      entries.set(key, { inputs, text });
      text.catch(() => {
        if (entries.get(key)?.text === text) entries.delete(key);
      });
      return text;
    },
  };
}
