// invoke world: echoes the input; "throw" throws, "err" returns err(...), "loop" spins forever,
// "log" writes to stderr and stdout first, "env" answers PLATFORM_FUNCTION.
export function invoke(input) {
  const text = new TextDecoder().decode(input);
  if (text === "throw") throw new Error("thrown by the guest");
  if (text === "err") throw { payload: "refused by the guest" };
  if (text === "loop") { for (;;) {} }
  if (text === "log") { console.error("to stderr"); console.log("to stdout"); }
  if (text === "env") return new TextEncoder().encode(globalThis.process?.env?.PLATFORM_FUNCTION ?? "none");
  return input;
}
