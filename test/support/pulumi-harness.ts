import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest } from "@pulumi/pulumi/proto/resource_pb";

/** One resource as the SDK asked the engine to register it: what mocks alone never show. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  /** Names (not URNs) of the resources it depends on, explicit and through its inputs. */
  readonly dependsOn: readonly string[];
  readonly parent: string;
  readonly protect: boolean;
  readonly inputs: Record<string, unknown>;
  readonly additionalSecretOutputs: readonly string[];
  readonly ignoreChanges: readonly string[];
}

export interface Invocation {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

/**
 * What reached the engine, in the order it did: a registration by name, or an invoke by token. Under mocks
 * a resource exists once registered, and an invoke runs only once everything in its `dependsOn` exists, so
 * the order shows what waited for what.
 */
export type TimelineEvent =
  | { readonly kind: "register"; readonly name: string; readonly type: string }
  | { readonly kind: "invoke"; readonly token: string; readonly inputs: Record<string, unknown> };

/** Outputs a provider would add, per resource type or invoke token. */
export type FakeOutputs = Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;

interface RecordingMonitor {
  registerResource(request: RegisterResourceRequest, callback: unknown): void;
}

const nameOfUrn = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/**
 * Runs Pulumi with mocks, recording each registration (with its dependencies and options) and each
 * invoke. Every resource gets a non-empty id, or applies that depend on it would never run.
 */
export function recordPulumi(project: string, stack: string, fakeOutputs: FakeOutputs = {}) {
  const registrations: Registration[] = [];
  const invocations: Invocation[] = [];
  const timeline: TimelineEvent[] = [];
  pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => ({
        id: `${name}-id`,
        state: { ...inputs, ...(fakeOutputs[type]?.(inputs) ?? {}) },
      }),
      call: ({ token, inputs }) => {
        invocations.push({ token, inputs });
        timeline.push({ kind: "invoke", token, inputs });
        return { ...inputs, ...(fakeOutputs[token]?.(inputs) ?? {}) };
      },
    },
    project,
    stack,
    false,
    // As the self-hosted backends name it (`organization/<project>/<stack>`).
    "organization",
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as RecordingMonitor;
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    timeline.push({ kind: "register", name: request.getName(), type: request.getType() });
    registrations.push({
      type: request.getType(),
      name: request.getName(),
      dependsOn: request.getDependenciesList().map(nameOfUrn),
      parent: request.getParent() ? nameOfUrn(request.getParent()) : "",
      protect: request.getProtect() === true,
      inputs: (request.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
      additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
      ignoreChanges: request.getIgnorechangesList(),
    });
    registerResource(request, callback);
  };
  const ofType = (type: string) => registrations.filter((registration) => registration.type === type);
  /** Waits until a registration by this name has reached the engine; fails after a few seconds. */
  const registered = async (name: string, timeoutMs = 5000): Promise<Registration> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = registrations.find((registration) => registration.name === name);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no resource named ${name} was registered`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return { registrations, invocations, timeline, ofType, registered };
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
  return pulumi.isSecret(output);
}
