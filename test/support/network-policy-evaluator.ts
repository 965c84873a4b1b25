// The evaluator lives in charts/ so that render can use it (the who-may-talk-to-whom matrix); this
// re-export keeps the tests' imports working.
export * from "../../charts/network-policy-evaluator";
