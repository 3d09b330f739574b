;; LSD radix sort of float64 values for the KLL sketch compactions (lib/monitoring/sketch/sort.ts).
;;
;; Order: exactly Float64Array.prototype.sort without a comparator (ascending, -0 before +0), for inputs without
;; NaN (the sketch never stores NaN). Each value's bits are mapped to an unsigned key whose integer order is the
;; numeric order (negative: all bits inverted; positive: sign bit set), keys are sorted by 8 byte-wide counting
;; passes (least significant first, stable), a pass is skipped when every key has the same byte there, and the keys
;; are mapped back. Equal doubles have equal bits (-0 and +0 differ and are ordered as the native sort orders them).
;;
;; Memory (imported as env.memory): bytes [0, 8192) hold the 8 x 256 u32 histograms; the caller places n values at $p
;; and provides n * 8 bytes of scratch at $t (neither overlapping the histograms nor each other). The result is at $p.
;; The memory is imported so that the caller can give a larger one to a new instance instead of growing it: growing a
;; memory detaches its old ArrayBuffer, and one detach makes V8 slow every typed-array access compiled afterwards in
;; that thread (lib/monitoring/sketch/sort.ts).
;;
;; Assembled into radix-sort-wasm.ts by `npm run wasm` (scripts/tools/build-wasm.ts, with wabt); a test checks the
;; embedded bytes equal this source assembled.
(module
  (import "env" "memory" (memory 1))
  (func $sort (export "sortF64") (param $p i32) (param $n i32) (param $t i32)
    (local $a i32) (local $end i32) (local $k i64) (local $h i32)
    (local $d i32) (local $src i32) (local $dst i32) (local $sum i32) (local $c i32) (local $skip i32)
    (local $hb i32) (local $i i32) (local $sh i64) (local $tmp i32)
    ;; 1. map each value to its key in place and count the 8 bytes of every key
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 8192))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $a (local.get $p))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $k (i64.load (local.get $a)))
      (local.set $k (i64.xor (local.get $k) (i64.or (i64.shr_s (local.get $k) (i64.const 63)) (i64.const 0x8000000000000000))))
      (i64.store (local.get $a) (local.get $k))
      (local.set $h (i32.shl (i32.and (i32.wrap_i64 (local.get $k)) (i32.const 255)) (i32.const 2)))
      (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
      (local.set $h (i32.or (i32.const 1024) (i32.shl (i32.and (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 8))) (i32.const 255)) (i32.const 2))))
      (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
      (local.set $h (i32.or (i32.const 2048) (i32.shl (i32.and (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 16))) (i32.const 255)) (i32.const 2))))
      (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
      (local.set $h (i32.add (i32.const 3072) (i32.shl (i32.and (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 24))) (i32.const 255)) (i32.const 2))))
      (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
      (local.set $h (i32.or (i32.const 4096) (i32.shl (i32.and (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 32))) (i32.const 255)) (i32.const 2))))
      (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
      (local.set $h (i32.add (i32.const 5120) (i32.shl (i32.and (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 40))) (i32.const 255)) (i32.const 2))))
      (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
      (local.set $h (i32.add (i32.const 6144) (i32.shl (i32.and (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 48))) (i32.const 255)) (i32.const 2))))
      (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
      (local.set $h (i32.add (i32.const 7168) (i32.shl (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 56))) (i32.const 2))))
      (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (br $l)))
    ;; 2. one stable counting pass per byte, least significant first; the histogram becomes the output offsets
    (local.set $src (local.get $p))
    (local.set $dst (local.get $t))
    (local.set $d (i32.const 0))
    (loop $pass
      (local.set $hb (i32.shl (local.get $d) (i32.const 10)))
      (local.set $sum (i32.const 0))
      (local.set $skip (i32.const 0))
      (local.set $i (i32.const 0))
      (loop $pre
        (local.set $h (i32.add (local.get $hb) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $c (i32.load (local.get $h)))
        (if (i32.eq (local.get $c) (local.get $n)) (then (local.set $skip (i32.const 1))))
        (i32.store (local.get $h) (local.get $sum))
        (local.set $sum (i32.add (local.get $sum) (local.get $c)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $pre (i32.lt_u (local.get $i) (i32.const 256))))
      (if (i32.eqz (local.get $skip)) (then
        (local.set $sh (i64.extend_i32_u (i32.shl (local.get $d) (i32.const 3))))
        (local.set $a (local.get $src))
        (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 3))))
        (block $sd (loop $sl
          (br_if $sd (i32.ge_u (local.get $a) (local.get $end)))
          (local.set $k (i64.load (local.get $a)))
          (local.set $h (i32.add (local.get $hb) (i32.shl (i32.and (i32.wrap_i64 (i64.shr_u (local.get $k) (local.get $sh))) (i32.const 255)) (i32.const 2))))
          (local.set $c (i32.load (local.get $h)))
          (i32.store (local.get $h) (i32.add (local.get $c) (i32.const 1)))
          (i64.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 3))) (local.get $k))
          (local.set $a (i32.add (local.get $a) (i32.const 8)))
          (br $sl)))
        (local.set $tmp (local.get $src))
        (local.set $src (local.get $dst))
        (local.set $dst (local.get $tmp))))
      (local.set $d (i32.add (local.get $d) (i32.const 1)))
      (br_if $pass (i32.lt_u (local.get $d) (i32.const 8))))
    ;; 3. keys back to float64 bits, into $p (the sorted keys are in $src: $p or $t by the number of passes run)
    (local.set $a (i32.const 0))
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (block $bd (loop $bl
      (br_if $bd (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $k (i64.load (i32.add (local.get $src) (local.get $a))))
      (i64.store (i32.add (local.get $p) (local.get $a))
        (i64.xor (local.get $k) (i64.or (i64.xor (i64.shr_s (local.get $k) (i64.const 63)) (i64.const -1)) (i64.const 0x8000000000000000))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (br $bl)))
  )
)
