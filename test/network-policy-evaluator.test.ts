import {
  NetworkPolicyEvaluator,
  type Endpoint,
  type PodEndpoint,
  type Protocol,
} from "./support/network-policy-evaluator";

function namespace(name: string, labels: Record<string, string> = {}) {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } };
}

function policy(namespaceName: string, name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: namespaceName },
    spec: { podSelector: {}, ...spec },
  };
}

const web: PodEndpoint = { namespace: "shop", labels: { app: "web" } };
const db: PodEndpoint = { namespace: "shop", labels: { app: "db" } };
const teamClient: PodEndpoint = { namespace: "team-a", labels: { role: "client" } };
const teamServer: PodEndpoint = { namespace: "team-a", labels: { role: "server" } };
const otherClient: PodEndpoint = { namespace: "team-b", labels: { role: "client" } };
const internet: Endpoint = { ip: "8.8.8.8" };
const lan: Endpoint = { ip: "192.168.1.5" };

const namespaces = [
  namespace("shop"),
  namespace("team-a", { team: "a" }),
  namespace("team-b", { team: "b" }),
];

type Case = [string, Endpoint, Endpoint, number, Protocol?];

/** Runs each case against the policies; the expectation is the leading `allow`/`deny`. */
function expectVerdicts(objects: unknown[], cases: readonly [boolean, ...Case][]) {
  const evaluator = new NetworkPolicyEvaluator([...namespaces, ...objects]);
  const verdicts = cases.map(([, name, from, to, port, protocol]) => [
    name,
    evaluator.allowed(from, to, port, protocol),
  ]);
  expect(verdicts).toEqual(cases.map(([expected, name]) => [name, expected]));
}

describe("NetworkPolicyEvaluator", () => {
  it("allows everything when no policy selects the pods", () => {
    expectVerdicts(
      [],
      [
        [true, "pod to pod", teamClient, web, 80],
        [true, "internet to pod", internet, web, 22, "UDP"],
        [true, "pod to LAN", web, lan, 445],
      ],
    );
  });

  it("isolates only the directions in policyTypes, and only the selected pods", () => {
    expectVerdicts(
      [
        policy("shop", "deny-ingress-web", {
          podSelector: { matchLabels: { app: "web" } },
          policyTypes: ["Ingress"],
        }),
      ],
      [
        [false, "into the selected pod", teamClient, web, 80],
        [true, "out of the selected pod", web, internet, 443],
        [true, "into a pod the selector misses", teamClient, db, 5432],
      ],
    );
  });

  it("treats a policy without policyTypes but with egress as isolating both directions", () => {
    expectVerdicts(
      [policy("shop", "egress-only-rules", { egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] })],
      [
        [false, "ingress, implied by the missing policyTypes", teamClient, web, 80],
        [true, "egress the rule allows", web, internet, 443],
      ],
    );
  });

  it("distinguishes an empty rule list (nothing) from an empty peer list (everyone)", () => {
    const nothing = policy("shop", "nothing", { policyTypes: ["Ingress"], ingress: [] });
    const everyone = policy("team-a", "everyone", {
      policyTypes: ["Ingress"],
      ingress: [{ from: [], ports: [] }],
    });
    expectVerdicts(
      [nothing, everyone],
      [
        [false, "ingress: [] allows nothing", teamClient, web, 80],
        [true, "from: [] allows any pod", web, teamServer, 80],
        [true, "from: [] allows any address", internet, teamServer, 9999, "UDP"],
      ],
    );
  });

  it("requires egress at the source and ingress at the destination", () => {
    const denyAll = (name: string) => policy(name, "deny", { policyTypes: ["Ingress", "Egress"] });
    const openIngress = policy("team-a", "open", { policyTypes: ["Ingress"], ingress: [{}] });
    expectVerdicts(
      [denyAll("shop"), denyAll("team-a"), openIngress],
      [
        [false, "source denies egress though the destination admits", web, teamServer, 80],
        [true, "unpoliced source, admitting destination", otherClient, teamServer, 80],
        [false, "denied egress to the internet", teamServer, internet, 443],
      ],
    );
  });

  it("ANDs selectors within one peer and ORs separate peers", () => {
    const combined = policy("team-a", "and", {
      podSelector: { matchLabels: { role: "server" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { team: "b" } },
              podSelector: { matchLabels: { role: "client" } },
            },
          ],
        },
      ],
    });
    const separate = policy("shop", "or", {
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { team: "b" } } },
            { podSelector: { matchLabels: { app: "web" } } },
          ],
        },
      ],
    });
    const teamBServer: PodEndpoint = { namespace: "team-b", labels: { role: "server" } };
    expectVerdicts(
      [combined, separate],
      [
        [true, "AND: client in team-b", otherClient, teamServer, 80],
        [false, "AND: client in its own namespace", teamClient, teamServer, 80],
        [false, "AND: server in team-b", teamBServer, teamServer, 80],
        [true, "OR: any pod of team-b", teamBServer, db, 5432],
        [true, "OR: web pod of the policy's namespace", web, db, 5432],
        [false, "OR: client of team-a matches neither", teamClient, db, 5432],
      ],
    );
  });

  it("matches a bare podSelector peer only in the policy's own namespace", () => {
    const sameNamespace = policy("team-a", "clients", {
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }] }],
    });
    expectVerdicts(
      [sameNamespace],
      [
        [true, "client of team-a", teamClient, teamServer, 80],
        [false, "client of team-b", otherClient, teamServer, 80],
      ],
    );
  });

  it("matches namespaces by their labels, including the automatic name label", () => {
    const byLabels = policy("shop", "by-labels", {
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { team: "a" } } },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "elsewhere" } } },
          ],
        },
      ],
    });
    expectVerdicts(
      [byLabels],
      [
        [true, "pod of a namespace labelled team=a", { namespace: "team-a" }, web, 80],
        [
          false,
          "pod labelled team=a in a namespace that is not",
          { namespace: "team-b", labels: { team: "a" } },
          web,
          80,
        ],
        [true, "namespace known only by name", { namespace: "elsewhere" }, web, 80],
        [false, "another unknown namespace", { namespace: "nowhere" }, web, 80],
      ],
    );
  });

  it("evaluates matchExpressions", () => {
    const expressions = policy("shop", "expressions", {
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchExpressions: [{ key: "team", operator: "In", values: ["a", "c"] }] },
              podSelector: {
                matchExpressions: [
                  { key: "role", operator: "Exists" },
                  { key: "role", operator: "NotIn", values: ["server"] },
                  { key: "debug", operator: "DoesNotExist" },
                ],
              },
            },
          ],
        },
      ],
    });
    expectVerdicts(
      [expressions],
      [
        [true, "In, Exists, NotIn, DoesNotExist all hold", teamClient, web, 80],
        [false, "NotIn fails", teamServer, web, 80],
        [false, "In fails", otherClient, web, 80],
        [
          false,
          "DoesNotExist fails",
          { namespace: "team-a", labels: { role: "client", debug: "1" } },
          web,
          80,
        ],
        [false, "Exists fails", { namespace: "team-a" }, web, 80],
      ],
    );
  });

  it("matches ipBlock with except, and never against pods", () => {
    const internetOnly = policy("shop", "internet", {
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "192.168.0.0/16"] } }] }],
    });
    expectVerdicts(
      [internetOnly],
      [
        [true, "public address", web, internet, 443],
        [false, "address in an except block", web, lan, 443],
        [false, "edge of an except block", web, { ip: "10.255.255.255" }, 443],
        [true, "just outside an except block", web, { ip: "11.0.0.0" }, 443],
        [false, "a pod is not an address", web, teamServer, 443],
        [false, "IPv6 is outside an IPv4 block", web, { ip: "2606:4700::1111" }, 443],
      ],
    );
  });

  it("matches ports by protocol (TCP by default), number and endPort range", () => {
    const ports = policy("shop", "ports", {
      policyTypes: ["Ingress"],
      ingress: [
        {
          ports: [
            { port: 80 },
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 8000, endPort: 8010 },
            { protocol: "SCTP" },
          ],
        },
      ],
    });
    expectVerdicts(
      [ports],
      [
        [true, "TCP 80 by default protocol", internet, web, 80],
        [false, "UDP 80", internet, web, 80, "UDP"],
        [true, "UDP 53", internet, web, 53, "UDP"],
        [false, "TCP 53", internet, web, 53],
        [true, "TCP inside the range", internet, web, 8010],
        [false, "TCP past the range", internet, web, 8011],
        [true, "any SCTP port", internet, web, 9999, "SCTP"],
      ],
    );
  });

  it("unites the rules of every policy selecting the pod", () => {
    const denyAll = policy("shop", "deny", { policyTypes: ["Ingress"] });
    const allowHttp = policy("shop", "http", {
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ port: 80 }] }],
    });
    const allowDb = policy("shop", "db", {
      podSelector: { matchLabels: { app: "db" } },
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ port: 5432 }] }],
    });
    expectVerdicts(
      [denyAll, allowHttp, allowDb],
      [
        [true, "web on 80", teamClient, web, 80],
        [false, "web on 5432", teamClient, web, 5432],
        [true, "db on 5432", teamClient, db, 5432],
      ],
    );
  });

  it("says which ports are open, exactly, as spans cut at the ports the rules name", () => {
    const evaluator = new NetworkPolicyEvaluator([
      ...namespaces,
      policy("shop", "web-ports", {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          { ports: [{ port: 80 }, { port: 8000, endPort: 8010 }, { port: 8011 }] },
          {
            from: [{ namespaceSelector: { matchLabels: { team: "a" } } }],
            ports: [{ port: 9000, endPort: 9100 }],
          },
          { from: [{ namespaceSelector: { matchLabels: { team: "b" } } }], ports: [{ protocol: "UDP" }] },
        ],
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443 }] }],
      }),
    ]);
    expect(evaluator.allowedPorts(internet, web)).toEqual([
      { first: 80, last: 80 },
      { first: 8000, last: 8011 },
    ]);
    expect(evaluator.allowedPorts(teamClient, web)).toEqual([
      { first: 80, last: 80 },
      { first: 8000, last: 8011 },
      { first: 9000, last: 9100 },
    ]);
    expect(evaluator.allowedPorts(internet, web, "UDP")).toEqual([]);
    expect(evaluator.allowedPorts(otherClient, web, "UDP")).toEqual([{ first: 1, last: 65535 }]);
    expect(evaluator.allowedPorts(web, internet)).toEqual([{ first: 443, last: 443 }]);
    expect(evaluator.allowedPorts(db, web, "SCTP")).toEqual([]);
    // Unpoliced pods: every port.
    expect(evaluator.allowedPorts(teamClient, db)).toEqual([{ first: 1, last: 65535 }]);
    // Each span agrees with allowed() at its edges and just outside them.
    for (const [from, to] of [
      [internet, web],
      [teamClient, web],
      [web, internet],
    ] as const) {
      const spans = evaluator.allowedPorts(from, to);
      if (spans === "outside-policy") throw new Error("not outside policy");
      for (const { first, last } of spans) {
        expect([first, last].map((port) => evaluator.allowed(from, to, port))).toEqual([true, true]);
        for (const outside of [first - 1, last + 1].filter((port) => port >= 1 && port <= 65535)) {
          expect([outside, evaluator.allowed(from, to, outside)]).toEqual([outside, false]);
        }
      }
    }
  });

  it("puts host-networked pods and address-to-address traffic outside policy", () => {
    const speaker: PodEndpoint = { namespace: "shop", labels: { app: "web" }, hostNetwork: true };
    const evaluator = new NetworkPolicyEvaluator([
      ...namespaces,
      policy("shop", "deny", { policyTypes: ["Ingress", "Egress"] }),
    ]);
    expect([
      evaluator.verdict(teamClient, web, 80),
      evaluator.verdict(teamClient, speaker, 80),
      evaluator.verdict(speaker, web, 80),
      evaluator.verdict(internet, lan, 80),
      evaluator.verdict(teamClient, teamServer, 80),
    ]).toEqual(["denied", "outside-policy", "outside-policy", "outside-policy", "allowed"]);
    expect(evaluator.allowedPorts(web, speaker)).toBe("outside-policy");
    expect(evaluator.allowedPorts(lan, internet, "UDP")).toBe("outside-policy");
    expect(() => evaluator.allowed(teamClient, speaker, 80)).toThrow(
      /host-networked pod in shop is outside NetworkPolicy/,
    );
  });

  it.each([
    ["a named port", { ingress: [{ ports: [{ port: "http" }] }] }, /named port "http" is not supported/],
    [
      "ipBlock beside a selector",
      { ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" }, podSelector: {} }] }] },
      /ipBlock cannot be combined/,
    ],
    [
      "an empty peer",
      { ingress: [{ from: [{}] }] },
      /needs one of ipBlock, podSelector or namespaceSelector/,
    ],
    [
      "an unknown protocol",
      { ingress: [{ ports: [{ protocol: "ICMP" }] }] },
      /"ICMP" is not TCP, UDP or SCTP/,
    ],
  ])("rejects %s", (_case, spec, message) => {
    expect(() => new NetworkPolicyEvaluator([policy("shop", "bad", spec)])).toThrow(message);
  });
});
