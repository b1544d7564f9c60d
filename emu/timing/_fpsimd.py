"""Which words of the A64 "Data Processing -- Scalar Floating-Point and Advanced SIMD" group are
allocated (Arm ARM DDI 0487, C4.1 "A64 instruction set encoding": the group's table and the
per-subgroup tables under it).

`allocated(word)` is all the cost model needs from this group (every allocated instruction is
FP_SIMD). The per-subgroup tables below transcribe the Arm ARM's opcode tables; a row
"U opcode sizes" lists the `size` values that are allocated, and a size written with `q` needs
Q = 1 (the 64-bit-element or double-precision arrangement has no 64-bit vector form).
"""

from __future__ import annotations


def _rows(text: str, width: int) -> dict[int, bool]:
    """Parse "U opcode size..." rows into {U << (width + 2) | size << width | opcode: needs Q}."""
    table: dict[int, bool] = {}
    for line in text.strip().splitlines():
        fields = line.split("#")[0].split()
        u, opcode = int(fields[0]), int(fields[1], 2)
        for size in fields[2:]:
            table[u << (width + 2) | int(size[0]) << width | opcode] = size.endswith("q")
    return table


def _key(w: int, opcode: int, width: int) -> int:
    return ((w >> 29) & 1) << (width + 2) | ((w >> 22) & 3) << width | opcode


def _lookup(table: dict[int, bool], w: int, opcode: int, width: int, vector: bool) -> bool:
    need_q = table.get(_key(w, opcode, width))
    if need_q is None:
        return False
    return not (need_q and vector and not (w >> 30) & 1)


# Advanced SIMD three same (U, opcode 15:11); the scalar form uses _S3SAME.
_V3SAME = _rows("""
0 00000 0 1 2      # SHADD
0 00001 0 1 2 3q   # SQADD
0 00010 0 1 2      # SRHADD
0 00011 0 1 2 3    # AND, BIC, ORR, ORN
0 00100 0 1 2      # SHSUB
0 00101 0 1 2 3q   # SQSUB
0 00110 0 1 2 3q   # CMGT
0 00111 0 1 2 3q   # CMGE
0 01000 0 1 2 3q   # SSHL
0 01001 0 1 2 3q   # SQSHL
0 01010 0 1 2 3q   # SRSHL
0 01011 0 1 2 3q   # SQRSHL
0 01100 0 1 2      # SMAX
0 01101 0 1 2      # SMIN
0 01110 0 1 2      # SABD
0 01111 0 1 2      # SABA
0 10000 0 1 2 3q   # ADD
0 10001 0 1 2 3q   # CMTST
0 10010 0 1 2      # MLA
0 10011 0 1 2      # MUL
0 10100 0 1 2      # SMAXP
0 10101 0 1 2      # SMINP
0 10110 1 2        # SQDMULH
0 10111 0 1 2 3q   # ADDP
0 11000 0 1q 2 3q  # FMAXNM, FMINNM
0 11001 0 1q 2 3q  # FMLA, FMLS
0 11010 0 1q 2 3q  # FADD, FSUB
0 11011 0 1q       # FMULX
0 11100 0 1q       # FCMEQ
0 11101 0 2        # FMLAL, FMLSL
0 11110 0 1q 2 3q  # FMAX, FMIN
0 11111 0 1q 2 3q  # FRECPS, FRSQRTS
1 00000 0 1 2      # UHADD
1 00001 0 1 2 3q   # UQADD
1 00010 0 1 2      # URHADD
1 00011 0 1 2 3    # EOR, BSL, BIT, BIF
1 00100 0 1 2      # UHSUB
1 00101 0 1 2 3q   # UQSUB
1 00110 0 1 2 3q   # CMHI
1 00111 0 1 2 3q   # CMHS
1 01000 0 1 2 3q   # USHL
1 01001 0 1 2 3q   # UQSHL
1 01010 0 1 2 3q   # URSHL
1 01011 0 1 2 3q   # UQRSHL
1 01100 0 1 2      # UMAX
1 01101 0 1 2      # UMIN
1 01110 0 1 2      # UABD
1 01111 0 1 2      # UABA
1 10000 0 1 2 3q   # SUB
1 10001 0 1 2 3q   # CMEQ
1 10010 0 1 2      # MLS
1 10011 0          # PMUL
1 10100 0 1 2      # UMAXP
1 10101 0 1 2      # UMINP
1 10110 1 2        # SQRDMULH
1 11000 0 1q 2 3q  # FMAXNMP, FMINNMP
1 11001 0 2        # FMLAL2, FMLSL2
1 11010 0 1q 2 3q  # FADDP, FABD
1 11011 0 1q       # FMUL
1 11100 0 1q 2 3q  # FCMGE, FCMGT
1 11101 0 1q 2 3q  # FACGE, FACGT
1 11110 0 1q 2 3q  # FMAXP, FMINP
1 11111 0 1q       # FDIV
""", 5)

_S3SAME = _rows("""
0 00001 0 1 2 3    # SQADD
0 00101 0 1 2 3    # SQSUB
0 00110 3          # CMGT
0 00111 3          # CMGE
0 01000 3          # SSHL
0 01001 0 1 2 3    # SQSHL
0 01010 3          # SRSHL
0 01011 0 1 2 3    # SQRSHL
0 10000 3          # ADD
0 10001 3          # CMTST
0 10110 1 2        # SQDMULH
0 11011 0 1        # FMULX
0 11100 0 1        # FCMEQ
0 11111 0 1 2 3    # FRECPS, FRSQRTS
1 00001 0 1 2 3    # UQADD
1 00101 0 1 2 3    # UQSUB
1 00110 3          # CMHI
1 00111 3          # CMHS
1 01000 3          # USHL
1 01001 0 1 2 3    # UQSHL
1 01010 3          # URSHL
1 01011 0 1 2 3    # UQRSHL
1 10000 3          # SUB
1 10001 3          # CMEQ
1 10110 1 2        # SQRDMULH
1 11010 2 3        # FABD
1 11100 0 1 2 3    # FCMGE, FCMGT
1 11101 0 1 2 3    # FACGE, FACGT
""", 5)

# Advanced SIMD three different (U, opcode 15:12); scalar: SQDMLAL, SQDMLSL, SQDMULL only.
_V3DIFF = _rows("""
0 0000 0 1 2   # SADDL
0 0001 0 1 2   # SADDW
0 0010 0 1 2   # SSUBL
0 0011 0 1 2   # SSUBW
0 0100 0 1 2   # ADDHN
0 0101 0 1 2   # SABAL
0 0110 0 1 2   # SUBHN
0 0111 0 1 2   # SABDL
0 1000 0 1 2   # SMLAL
0 1001 1 2     # SQDMLAL
0 1010 0 1 2   # SMLSL
0 1011 1 2     # SQDMLSL
0 1100 0 1 2   # SMULL
0 1101 1 2     # SQDMULL
0 1110 0 3     # PMULL
1 0000 0 1 2   # UADDL
1 0001 0 1 2   # UADDW
1 0010 0 1 2   # USUBL
1 0011 0 1 2   # USUBW
1 0100 0 1 2   # RADDHN
1 0101 0 1 2   # UABAL
1 0110 0 1 2   # RSUBHN
1 0111 0 1 2   # UABDL
1 1000 0 1 2   # UMLAL
1 1010 0 1 2   # UMLSL
1 1100 0 1 2   # UMULL
""", 4)

_S3DIFF = _rows("""
0 1001 1 2     # SQDMLAL
0 1011 1 2     # SQDMLSL
0 1101 1 2     # SQDMULL
""", 4)

# Advanced SIMD three-register extension (U, opcode 14:11); scalar: SQRDMLAH, SQRDMLSH only.
_V3EXT = _rows("""
0 0010 2       # SDOT
0 0011 2       # USDOT
0 0100 2q      # SMMLA
0 0101 2q      # USMMLA
1 0000 1 2     # SQRDMLAH
1 0001 1 2     # SQRDMLSH
1 0010 2       # UDOT
1 0100 2q      # UMMLA
1 1000 1 2 3q  # FCMLA
1 1001 1 2 3q  # FCMLA
1 1010 1 2 3q  # FCMLA
1 1011 1 2 3q  # FCMLA
1 1100 1 2 3q  # FCADD
1 1101 1q      # BFMMLA
1 1110 1 2 3q  # FCADD
1 1111 1 3     # BFDOT, BFMLALB/T
""", 4)

_S3EXT = _rows("""
1 0000 1 2     # SQRDMLAH
1 0001 1 2     # SQRDMLSH
""", 4)

# Advanced SIMD two-register miscellaneous (U, opcode 16:12).
_V2MISC = _rows("""
0 00000 0 1 2      # REV64
0 00001 0          # REV16
0 00010 0 1 2      # SADDLP
0 00011 0 1 2 3q   # SUQADD
0 00100 0 1 2      # CLS
0 00101 0          # CNT
0 00110 0 1 2      # SADALP
0 00111 0 1 2 3q   # SQABS
0 01000 0 1 2 3q   # CMGT (zero)
0 01001 0 1 2 3q   # CMEQ (zero)
0 01010 0 1 2 3q   # CMLT (zero)
0 01011 0 1 2 3q   # ABS
0 01100 2 3q       # FCMGT (zero)
0 01101 2 3q       # FCMEQ (zero)
0 01110 2 3q       # FCMLT (zero)
0 01111 2 3q       # FABS
0 10010 0 1 2      # XTN
0 10100 0 1 2      # SQXTN
0 10110 0 1 2      # FCVTN, BFCVTN
0 10111 0 1        # FCVTL
0 11000 0 1q 2 3q  # FRINTN, FRINTP
0 11001 0 1q 2 3q  # FRINTM, FRINTZ
0 11010 0 1q 2 3q  # FCVTNS, FCVTPS
0 11011 0 1q 2 3q  # FCVTMS, FCVTZS
0 11100 0 1q 2     # FCVTAS, URECPE
0 11101 0 1q 2 3q  # SCVTF, FRECPE
0 11110 0 1q       # FRINT32Z
0 11111 0 1q       # FRINT64Z
1 00000 0 1        # REV32
1 00010 0 1 2      # UADDLP
1 00011 0 1 2 3q   # USQADD
1 00100 0 1 2      # CLZ
1 00101 0 1        # NOT, RBIT
1 00110 0 1 2      # UADALP
1 00111 0 1 2 3q   # SQNEG
1 01000 0 1 2 3q   # CMGE (zero)
1 01001 0 1 2 3q   # CMLE (zero)
1 01011 0 1 2 3q   # NEG
1 01100 2 3q       # FCMGE (zero)
1 01101 2 3q       # FCMLE (zero)
1 01111 2 3q       # FNEG
1 10010 0 1 2      # SQXTUN
1 10011 0 1 2      # SHLL
1 10100 0 1 2      # UQXTN
1 10110 1          # FCVTXN
1 11000 0 1q       # FRINTA
1 11001 0 1q 2 3q  # FRINTX, FRINTI
1 11010 0 1q 2 3q  # FCVTNU, FCVTPU
1 11011 0 1q 2 3q  # FCVTMU, FCVTZU
1 11100 0 1q 2     # FCVTAU, URSQRTE
1 11101 0 1q 2 3q  # UCVTF, FRSQRTE
1 11110 0 1q       # FRINT32X
1 11111 0 1q 2 3q  # FRINT64X, FSQRT
""", 5)

_S2MISC = _rows("""
0 00011 0 1 2 3    # SUQADD
0 00111 0 1 2 3    # SQABS
0 01000 3          # CMGT (zero)
0 01001 3          # CMEQ (zero)
0 01010 3          # CMLT (zero)
0 01011 3          # ABS
0 01100 2 3        # FCMGT (zero)
0 01101 2 3        # FCMEQ (zero)
0 01110 2 3        # FCMLT (zero)
0 10100 0 1 2      # SQXTN
0 11010 0 1 2 3    # FCVTNS, FCVTPS
0 11011 0 1 2 3    # FCVTMS, FCVTZS
0 11100 0 1        # FCVTAS
0 11101 0 1 2 3    # SCVTF, FRECPE
0 11111 2 3        # FRECPX
1 00011 0 1 2 3    # USQADD
1 00111 0 1 2 3    # SQNEG
1 01000 3          # CMGE (zero)
1 01001 3          # CMLE (zero)
1 01011 3          # NEG
1 01100 2 3        # FCMGE (zero)
1 01101 2 3        # FCMLE (zero)
1 10010 0 1 2      # SQXTUN
1 10100 0 1 2      # UQXTN
1 10110 1          # FCVTXN
1 11010 0 1 2 3    # FCVTNU, FCVTPU
1 11011 0 1 2 3    # FCVTMU, FCVTZU
1 11100 0 1        # FCVTAU
1 11101 0 1 2 3    # UCVTF, FRSQRTE
""", 5)

# Advanced SIMD across lanes (vector) and scalar pairwise (U, opcode 16:12).
_LANES = _rows("""
0 00011 0 1 2q     # SADDLV
0 01010 0 1 2q     # SMAXV
0 01100 0 2        # FMAXNMV, FMINNMV (half precision)
0 01111 0 2        # FMAXV, FMINV (half precision)
0 11010 0 1 2q     # SMINV
0 11011 0 1 2q     # ADDV
1 00011 0 1 2q     # UADDLV
1 01010 0 1 2q     # UMAXV
1 01100 0q 2q      # FMAXNMV, FMINNMV
1 01111 0q 2q      # FMAXV, FMINV
1 11010 0 1 2q     # UMINV
""", 5)

_PAIRWISE = _rows("""
0 01100 0 2        # FMAXNMP, FMINNMP (half precision)
0 01101 0          # FADDP (half precision)
0 01111 0 2        # FMAXP, FMINP (half precision)
0 11011 3          # ADDP
1 01100 0 1 2 3    # FMAXNMP, FMINNMP
1 01101 0 1        # FADDP
1 01111 0 1 2 3    # FMAXP, FMINP
""", 5)

# Two-register miscellaneous and three same, half precision (FEAT_FP16): (U, a, opcode).
_V2MISC_FP16 = frozenset(
    [(0, 0, op) for op in (0b11000, 0b11001, 0b11010, 0b11011, 0b11100, 0b11101)]
    + [(0, 1, op) for op in (0b01100, 0b01101, 0b01110, 0b01111, 0b11000, 0b11001, 0b11010,
                             0b11011, 0b11101)]
    + [(1, 0, op) for op in (0b11000, 0b11001, 0b11010, 0b11011, 0b11100, 0b11101)]
    + [(1, 1, op) for op in (0b01100, 0b01101, 0b01111, 0b11001, 0b11010, 0b11011, 0b11101,
                             0b11111)])
_S2MISC_FP16 = frozenset(
    [(u, 0, op) for u in (0, 1) for op in (0b11010, 0b11011, 0b11100, 0b11101)]
    + [(0, 1, op) for op in (0b01100, 0b01101, 0b01110, 0b11010, 0b11011, 0b11101, 0b11111)]
    + [(1, 1, op) for op in (0b01100, 0b01101, 0b11010, 0b11011, 0b11101)])
_V3SAME_FP16 = frozenset(
    [(0, 0, op) for op in (0, 1, 2, 3, 4, 6, 7)] + [(0, 1, op) for op in (0, 1, 2, 6, 7)]
    + [(1, 0, op) for op in (0, 2, 3, 4, 5, 6, 7)] + [(1, 1, op) for op in (0, 2, 4, 5, 6)])
_S3SAME_FP16 = frozenset([(0, 0, 3), (0, 0, 4), (0, 0, 7), (0, 1, 7), (1, 0, 4), (1, 0, 5),
                          (1, 1, 2), (1, 1, 4), (1, 1, 5)])

def _element_rows(rows: tuple[tuple[int, tuple[int, ...], tuple[int, ...], str], ...]
                  ) -> dict[tuple[int, int, int], str]:
    """{(U, size, opcode): condition} from rows (U, sizes, opcodes, condition)."""
    return {(u, size, op): cond for u, sizes, ops, cond in rows for size in sizes for op in ops}


_FMLA_FMLS_FMUL = (0b0001, 0b0101, 0b1001)
_FCMLA = (0b0001, 0b0011, 0b0101, 0b0111)
# Vector x indexed element (U, size, opcode 15:12) -> extra condition: "" none, "D" double
# (L = 0, Q = 1), "H" FCMLA half (Q = 1 or H = 0), "S" FCMLA single (L = 0, Q = 1).
_VIDX = _element_rows((
    (0, (0, 2), _FMLA_FMLS_FMUL, ""), (0, (3,), _FMLA_FMLS_FMUL, "D"),
    (1, (0, 2), (0b1001,), ""), (1, (3,), (0b1001,), "D"),  # FMULX
    (0, (1, 2), (0b0010, 0b0011, 0b0110, 0b0111, 0b1000, 0b1010, 0b1011, 0b1100, 0b1101), ""),
    (1, (1, 2), (0b0000, 0b0010, 0b0100, 0b0110, 0b1010, 0b1101, 0b1111), ""),  # MLA..SQRDMLSH
    (0, (2,), (0b0000, 0b0100, 0b1110), ""),  # FMLAL, FMLSL, SDOT
    (1, (2,), (0b1000, 0b1100, 0b1110), ""),  # FMLAL2, FMLSL2, UDOT
    (0, (0, 1, 2, 3), (0b1111,), ""),  # SUDOT, BFDOT, USDOT, BFMLALB/T
    (1, (1,), _FCMLA, "H"), (1, (2,), _FCMLA, "S"),
))
# Scalar x indexed element: (U, size, opcode); "d": double needs L = 0.
_SIDX = _element_rows((
    (0, (0, 2), _FMLA_FMLS_FMUL, ""), (0, (3,), _FMLA_FMLS_FMUL, "d"),
    (1, (0, 2), (0b1001,), ""), (1, (3,), (0b1001,), "d"),  # FMULX
    (0, (1, 2), (0b0011, 0b0111, 0b1011, 0b1100, 0b1101), ""),  # SQDMLAL .. SQRDMULH
    (1, (1, 2), (0b1101, 0b1111), ""),  # SQRDMLAH, SQRDMLSH
))

# Shift by immediate: opcodes (15:11) per U; narrowing/long ones (1xxxx but not FP convert)
# have no 64-bit element form; FP converts (11100, 11111) have no 8-bit element form.
_VSHIFT = {0: frozenset({0b00000, 0b00010, 0b00100, 0b00110, 0b01010, 0b01110, 0b10000, 0b10001,
                         0b10010, 0b10011, 0b10100, 0b11100, 0b11111}),
           1: frozenset({0b00000, 0b00010, 0b00100, 0b00110, 0b01000, 0b01010, 0b01100, 0b01110,
                         0b10000, 0b10001, 0b10010, 0b10011, 0b10100, 0b11100, 0b11111})}
_SSHIFT_64 = {0: frozenset({0b00000, 0b00010, 0b00100, 0b00110, 0b01010, 0b01110, 0b11100,
                            0b11111}),
              1: frozenset({0b00000, 0b00010, 0b00100, 0b00110, 0b01000, 0b01010, 0b01100, 0b01110,
                            0b11100, 0b11111})}
_SSHIFT_NARROW = {0: frozenset({0b01110, 0b10010, 0b10011, 0b11100, 0b11111}),
                  1: frozenset({0b01100, 0b01110, 0b10000, 0b10001, 0b10010, 0b10011, 0b11100,
                                0b11111})}
_FP_CONVERT = frozenset({0b11100, 0b11111})


def allocated(w: int) -> bool:
    """Whether `w` (bits 28:25 = x111) is an allocated instruction (Table C4-1 op0 = x111)."""
    op0 = w >> 28
    if op0 & 0b0101 == 0b0001:  # x0x1: scalar floating-point and conversions
        return _fp_scalar(w)
    if op0 == 0b1100:
        return _crypto_1100(w)
    if op0 & 0b1001 == 0:  # 0xx0: Advanced SIMD vector
        return _vector(w)
    if op0 & 0b1101 == 0b0101:  # 01x1: Advanced SIMD scalar
        return _scalar(w)
    return False


def _fp_scalar(w: int) -> bool:
    ftype = (w >> 22) & 3
    if (w >> 29) & 1:  # S = 1 is unallocated throughout
        return False
    if not (w >> 21) & 1 and not (w >> 24) & 1:
        return _fp_fixed(w, ftype)
    if (w >> 10) & 0x3F == 0 and not (w >> 24) & 1:
        return _fp_int(w, ftype)
    if w >> 31 or ftype == 2:  # M = 1; ftype 10 only for FMOV (general) and conversions
        return False
    if (w >> 24) & 1:  # data-processing (3 source): FMADD, FMSUB, FNMADD, FNMSUB
        return True
    low = (w >> 10) & 0x1F
    if low == 0b10000:  # data-processing (1 source)
        return _fp_1source((w >> 15) & 0x3F, ftype)
    if low & 0xF == 0b1000:  # compare: op = 00, opcode2<2:0> = 000
        return not (w >> 14) & 3 and not w & 7
    if low & 7 == 0b100:  # immediate: imm5 = 0
        return not (w >> 5) & 31
    if low & 3 == 0b10:  # data-processing (2 source): FMUL ... FNMUL
        return (w >> 12) & 0xF <= 8
    return bool(low & 3)  # conditional compare (01), conditional select (11)


def _fp_fixed(w: int, ftype: int) -> bool:
    """Conversion between floating-point and fixed-point: SCVTF, UCVTF, FCVTZS, FCVTZU."""
    if ftype == 2 or (not w >> 31 and not (w >> 15) & 1):
        return False
    return (w >> 16) & 0x1F in (0b00010, 0b00011, 0b11000, 0b11001)


def _fp_int(w: int, ftype: int) -> bool:
    """Conversion between floating-point and integer: FCVT*, SCVTF, UCVTF, FMOV, FJCVTZS."""
    sf, rmode, opcode = w >> 31, (w >> 19) & 3, (w >> 16) & 7
    if opcode >= 6:  # FMOV (general), FJCVTZS
        if rmode == 0:
            return ftype == 3 or ftype == sf
        if rmode == 1:
            return bool(sf) and ftype == 2
        return rmode == 3 and opcode == 6 and not sf and ftype == 1
    return ftype != 2 and (opcode < 2 or rmode == 0)


def _fp_1source(opcode: int, ftype: int) -> bool:
    """FMOV, FABS, FNEG, FSQRT, FCVT, BFCVT, FRINT*, FRINT32/64*."""
    if opcode <= 3 or (8 <= opcode <= 15 and opcode != 13):
        return True
    if opcode in (4, 5, 7):  # FCVT to single, double, half
        return opcode & 3 != ftype
    if opcode == 6:  # BFCVT (FEAT_BF16): from single
        return ftype == 1
    return 16 <= opcode <= 19 and ftype < 2


def _crypto_1100(w: int) -> bool:
    """SHA512, SHA3 (EOR3, RAX1, XAR, BCAX), SM3, SM4."""
    op1, op2 = (w >> 23) & 3, (w >> 19) & 0xF
    if op1 == 0:
        if not (w >> 15) & 1:  # four-register: EOR3, BCAX, SM3SS1
            return op2 >> 2 != 3
        if op2 >> 2 == 2:  # three-register, imm2: SM3TT*
            return not (w >> 14) & 1
        if op2 >> 2 == 3:  # three-register SHA512, RAX1, SM3PARTW*, SM4EKEY
            return not (w >> 12) & 3 and ((w >> 10) & 0x13 != 0x13)
        return False
    if op1 == 1:
        if op2 >> 2 == 0:  # XAR
            return True
        return op2 == 8 and (w >> 12) & 0x7F == 0b0001000 and not (w >> 11) & 1  # SHA512SU0, SM4E
    return False


def _vector(w: int) -> bool:
    b10, b21, q, u = (w >> 10) & 1, (w >> 21) & 1, (w >> 30) & 1, (w >> 29) & 1
    if (w >> 24) & 1:
        if not b10:  # vector x indexed element
            return _by_element(_VIDX, w)
        return not (w >> 23) & 1 and _vector_shift_imm(w, q, u)
    if b21:
        if b10:
            return _lookup(_V3SAME, w, (w >> 11) & 31, 5, True)
        if not (w >> 11) & 1:
            return _lookup(_V3DIFF, w, (w >> 12) & 15, 4, True)
        if (w >> 17) & 3:
            return False
        sub = (w >> 19) & 3
        if sub == 0:
            return _lookup(_V2MISC, w, (w >> 12) & 31, 5, True)
        if sub == 2:
            return _lookup(_LANES, w, (w >> 12) & 31, 5, True)
        if sub == 3:
            return bool((w >> 22) & 1) and (u, (w >> 23) & 1, (w >> 12) & 31) in _V2MISC_FP16
        # AES (op0 = 0100, bits 23:22 = 00): AESE, AESD, AESMC, AESIMC
        return w >> 22 == 0b0100111000 and 4 <= (w >> 12) & 31 <= 7
    b15 = (w >> 15) & 1
    if b10:
        if b15:
            return _lookup(_V3EXT, w, (w >> 11) & 15, 4, True)
        if not (w >> 22) & 3:
            return _vector_copy(w, q, u)
        return bool((w >> 22) & 1) and not (w >> 14) & 1 and \
            (u, (w >> 23) & 1, (w >> 11) & 7) in _V3SAME_FP16
    if b15 or (w >> 22) & 3 and not (u == 0 and (w >> 11) & 1):
        return False
    if u:  # EXT: imm4<3> = 0 for the 64-bit form
        return bool(q) or not (w >> 14) & 1
    if not (w >> 11) & 1:  # TBL, TBX
        return True
    return bool((w >> 12) & 3) and (bool(q) or (w >> 22) & 3 != 3)  # UZP, TRN, ZIP


def _by_element(table: dict[tuple[int, int, int], str], w: int) -> bool:
    cond = table.get(((w >> 29) & 1, (w >> 22) & 3, (w >> 12) & 15))
    if cond is None:
        return False
    q, l, h = (w >> 30) & 1, (w >> 21) & 1, (w >> 11) & 1
    if cond == "D":
        return bool(q) and not l
    if cond == "d":
        return not l
    if cond == "H":
        return bool(q) or not h
    if cond == "S":
        return bool(q) and not l
    return True


def _vector_shift_imm(w: int, q: int, u: int) -> bool:
    immh, opcode = (w >> 19) & 0xF, (w >> 11) & 31
    if immh == 0:  # modified immediate: o2 = 1 only for FMOV (half)
        cmode, op, o2 = (w >> 12) & 0xF, u, (w >> 11) & 1
        if o2:
            return cmode == 0xF and not op
        return not (op and cmode == 0xF and not q)
    if opcode not in _VSHIFT[u]:
        return False
    if immh >= 8:
        return bool(q) and not (opcode >> 4 and opcode not in _FP_CONVERT)
    return immh != 1 or opcode not in _FP_CONVERT


def _vector_copy(w: int, q: int, u: int) -> bool:
    """DUP (element, general), INS (general, element), SMOV, UMOV."""
    imm5, imm4 = (w >> 16) & 31, (w >> 11) & 15
    if not imm5 & 0xF:
        return False
    size = (imm5 & -imm5).bit_length() - 1
    if u:
        return bool(q)  # INS (element)
    if imm4 in (0, 1):  # DUP
        return size < 3 or bool(q)
    if imm4 == 3:  # INS (general)
        return bool(q)
    if imm4 == 5:  # SMOV
        return size < 2 or (size == 2 and bool(q))
    if imm4 == 7:  # UMOV
        return size == 3 if q else size < 3
    return False


def _scalar(w: int) -> bool:
    b10, b21, u = (w >> 10) & 1, (w >> 21) & 1, (w >> 29) & 1
    if (w >> 24) & 1:
        if not b10:  # scalar x indexed element
            return _by_element(_SIDX, w)
        if (w >> 23) & 1:
            return False
        immh, opcode = (w >> 19) & 0xF, (w >> 11) & 31
        if immh >= 8:
            return opcode in _SSHIFT_64[u]
        return immh != 0 and opcode in _SSHIFT_NARROW[u] and \
            (immh != 1 or opcode not in _FP_CONVERT)
    if b21:
        if b10:
            return _lookup(_S3SAME, w, (w >> 11) & 31, 5, False)
        if not (w >> 11) & 1:
            return _lookup(_S3DIFF, w, (w >> 12) & 15, 4, False)
        if (w >> 17) & 3:
            return False
        sub = (w >> 19) & 3
        if sub == 0:
            return _lookup(_S2MISC, w, (w >> 12) & 31, 5, False)
        if sub == 2:
            return _lookup(_PAIRWISE, w, (w >> 12) & 31, 5, False)
        if sub == 3:
            return bool((w >> 22) & 1) and (u, (w >> 23) & 1, (w >> 12) & 31) in _S2MISC_FP16
        # two-register SHA (op0 = 0101, bits 23:22 = 00): SHA1H, SHA1SU1, SHA256SU0
        return w >> 22 == 0b0101111000 and (w >> 12) & 31 <= 2
    b15 = (w >> 15) & 1
    if b10:
        if b15:
            return _lookup(_S3EXT, w, (w >> 11) & 15, 4, False)
        if not (w >> 22) & 3 and not (w >> 11) & 15 and not u:  # DUP (element)
            return bool((w >> 16) & 0xF)
        return bool((w >> 22) & 1) and not (w >> 14) & 1 and \
            (u, (w >> 23) & 1, (w >> 11) & 7) in _S3SAME_FP16
    # three-register SHA (op0 = 0101, bits 23:22 = 00): SHA1C ... SHA256SU1
    return w >> 22 == 0b0101111000 and not b15 and not (w >> 11) & 1 and (w >> 12) & 7 != 7
