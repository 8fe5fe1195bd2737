namespace Platform.Testing;

/// <summary>Small components in component text, for fast tests of the component ABI.</summary>
internal static class ComponentWat
{
    /// <summary>A bump allocator that grows memory as needed: the canonical ABI's realloc for lowering arguments.</summary>
    private const string Realloc = """
        (global $bump (mut i32) (i32.const 4096))
        (func (export "realloc") (param i32 i32 i32 i32) (result i32)
          (local $r i32) (local $end i32)
          (local.set $r (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
          (local.set $end (i32.add (local.get $r) (local.get 3)))
          (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
            (then (drop (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1))))))
          (global.set $bump (local.get $end))
          (local.get $r))
        """;

    /// <summary>
    /// The invoke world. By the first byte of the input: <c>r</c> returns <c>err("refused")</c>,
    /// <c>t</c> traps, <c>l</c> loops forever, <c>b</c> returns 4096 bytes; anything else is echoed.
    /// </summary>
    public const string Invoke = $$"""
        (component
          (core module $m
            (memory (export "memory") 1)
            (data (i32.const 100) "refused")
            {{Realloc}}
            (func $ok (param i32 i32) (result i32)
              (i32.store8 (i32.const 16) (i32.const 0))
              (i32.store (i32.const 20) (local.get 0))
              (i32.store (i32.const 24) (local.get 1))
              (i32.const 16))
            (func (export "invoke") (param $p i32) (param $n i32) (result i32)
              (local $c i32)
              (if (i32.eqz (local.get $n)) (then (return (call $ok (local.get $p) (i32.const 0)))))
              (local.set $c (i32.load8_u (local.get $p)))
              (if (i32.eq (local.get $c) (i32.const 114))
                (then
                  (i32.store8 (i32.const 16) (i32.const 1))
                  (i32.store (i32.const 20) (i32.const 100))
                  (i32.store (i32.const 24) (i32.const 7))
                  (return (i32.const 16))))
              (if (i32.eq (local.get $c) (i32.const 116)) (then unreachable))
              (if (i32.eq (local.get $c) (i32.const 108)) (then (loop $spin (br $spin)) unreachable))
              (if (i32.eq (local.get $c) (i32.const 98)) (then (return (call $ok (i32.const 0) (i32.const 4096)))))
              (call $ok (local.get $p) (local.get $n))))
          (core instance $i (instantiate $m))
          (func $invoke (param "input" (list u8)) (result (result (list u8) (error string)))
            (canon lift (core func $i "invoke") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))
          (export "invoke" (func $invoke)))
        """;

    /// <summary>The http world: answers 202 with <c>x-path</c> set to the request's path and the request's body.</summary>
    public const string Http = $$"""
        (component
          (core module $m
            (memory (export "memory") 1)
            (data (i32.const 100) "x-path")
            {{Realloc}}
            (func (export "handle")
              (param $mp i32) (param $ml i32) (param $pp i32) (param $pl i32) (param $qp i32) (param $ql i32)
              (param $hp i32) (param $hl i32) (param $bp i32) (param $bl i32) (result i32)
              (i32.store (i32.const 200) (i32.const 100))
              (i32.store (i32.const 204) (i32.const 6))
              (i32.store (i32.const 208) (local.get $pp))
              (i32.store (i32.const 212) (local.get $pl))
              (i32.store16 (i32.const 300) (i32.const 202))
              (i32.store (i32.const 304) (i32.const 200))
              (i32.store (i32.const 308) (i32.const 1))
              (i32.store (i32.const 312) (local.get $bp))
              (i32.store (i32.const 316) (local.get $bl))
              (i32.const 300)))
          (core instance $i (instantiate $m))
          (type $headers (list (tuple string string)))
          (type $request' (record (field "method" string) (field "path" string) (field "query" string) (field "headers" $headers) (field "body" (list u8))))
          (type $response' (record (field "status" u16) (field "headers" $headers) (field "body" (list u8))))
          (export $request "request" (type $request'))
          (export $response "response" (type $response'))
          (func $handle (param "request" $request) (result $response)
            (canon lift (core func $i "handle") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))
          (export "handle" (func $handle)))
        """;

    /// <summary>A component whose core module asks for 128 MiB of initial memory.</summary>
    public const string HugeMemory = """
        (component
          (core module $m
            (memory (export "memory") 2048)
            (func (export "invoke") (param i32 i32) (result i32) unreachable)
            (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
          (core instance $i (instantiate $m))
          (func $invoke (param "input" (list u8)) (result (result (list u8) (error string)))
            (canon lift (core func $i "invoke") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))
          (export "invoke" (func $invoke)))
        """;

    /// <summary>The invoke world's echo, importing <paramref name="import"/> (an instance) as well.</summary>
    public static string Importing(string import) => Invoke.Replace("(component\n", $"(component\n  (import \"{import}\" (instance))\n", StringComparison.Ordinal);

    /// <summary>A component exporting <paramref name="name"/> with the invoke world's type.</summary>
    public static string Exporting(string name) => Invoke.Replace("(export \"invoke\" (func $invoke))", $"(export \"{name}\" (func $invoke))", StringComparison.Ordinal);
}
