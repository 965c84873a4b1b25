/**
 * What a StackReference to the stack itself reads under mocks: the outputs the stack's last `pulumi up`
 * left. `{}` stands for a stack never deployed.
 */
export function previousOutputs(outputs: Record<string, unknown>) {
  return {
    "pulumi:pulumi:StackReference": () => ({ outputs, secretOutputNames: [] }),
  };
}
