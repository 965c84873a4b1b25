/**
 * What StackReferences read under mocks: a reference to the stack itself reads `outputs`, the outputs the
 * stack's last `pulumi up` left (`{}` stands for a stack never deployed); a reference to another stack of
 * the project reads `otherStacks[name]` (its outputs and which of them are secret), and fails as Pulumi
 * does for a stack that does not exist when it is not there.
 */
export function previousOutputs(
  outputs: Record<string, unknown>,
  self?: string,
  otherStacks: Readonly<Record<string, OtherStack>> = {},
) {
  return {
    "pulumi:pulumi:StackReference": (inputs: Record<string, unknown>) => {
      const name = String(inputs.name);
      if (self === undefined || name === self) return { outputs, secretOutputNames: [] };
      const other = otherStacks[name];
      if (other === undefined) throw new Error(`unknown stack "${name}"`);
      return { outputs: other.outputs, secretOutputNames: [...other.secretOutputNames] };
    },
  };
}

/** Another stack's outputs, as a StackReference reads them. */
export interface OtherStack {
  readonly outputs: Record<string, unknown>;
  readonly secretOutputNames: readonly string[];
}
