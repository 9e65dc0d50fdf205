// Types for specs.mjs (tests import it).
export function specYaml(i: number): string;
export function writeSpecs(dir: string, count: number): string[];
