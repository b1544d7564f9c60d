"""`emu run` end to end, as a user runs it: console on stdout, guest exit statuses, and every
bad input of the machine issue giving one paragraph on stderr, its own status, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.board.test_loader import make_elf

ROOT = Path(__file__).resolve().parents[1]


def emu(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "emu.cli", *map(str, args)], capture_output=True,
                          timeout=timeout, cwd=ROOT)


def one_paragraph(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text
    assert text.endswith("\n") and text.count("\n") == 1, text
    return text


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_hello_prints_and_powers_off() -> None:
    done = emu("run", "asm/hello.S")
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == (ROOT / "asm/hello.expected").read_bytes()


def test_raw_image_and_source_give_the_same_console() -> None:
    assert emu("run", "guest_images/svc.bin").stdout == emu("run", "asm/svc.S").stdout


def test_semihosting_exit_code_is_the_exit_status() -> None:
    done = emu("run", "asm/semihosting.S")
    assert done.returncode == 3
    assert done.stdout == (ROOT / "asm/semihosting.expected").read_bytes()


def test_el1_start_uses_hvc_for_psci() -> None:
    done = emu("run", "--el", "1", "asm/el1_entry.S")
    assert done.returncode == 0
    assert done.stdout == (ROOT / "asm/el1_entry.expected").read_bytes()


@pytest.mark.parametrize("args, status, words", [
    (["run"], 64, "the following arguments are required: image"),
    (["run", "--el", "3", "asm/hello.S"], 64, "invalid choice: 3"),
    (["run", "--ram", "0", "asm/hello.S"], 64, "--ram must be between 1 and 3072 MiB, not 0"),
    (["run", "--max-insns", "lots", "asm/hello.S"], 64, "not a number: 'lots'"),
    (["frobnicate"], 64, "invalid choice: 'frobnicate'"),
    (["run", "no/such/kernel.S"], 66, "no/such/kernel.S"),
    (["run", "asm"], 66, "asm"),
])
def test_usage_and_missing_files(args: list[str], status: int, words: str) -> None:
    done = emu(*args)
    assert done.returncode == status
    assert words in one_paragraph(done.stderr)


def test_empty_file(tmp_path: Path) -> None:
    done = emu("run", write(tmp_path, "empty.bin", b""))
    assert done.returncode == 67
    assert "empty.bin" in one_paragraph(done.stderr)


def test_binary_garbage_as_assembly(tmp_path: Path) -> None:
    done = emu("run", write(tmp_path, "garbage.S", bytes(range(256)) * 4))
    assert done.returncode == 65
    assert "garbage.S" in one_paragraph(done.stderr)


def test_malformed_assembly_names_file_and_line(tmp_path: Path) -> None:
    src = write(tmp_path, "bad.S", "    mov x0, #1\n    mov x1, #2\n    frob x0, x1\n    b .\n")
    done = emu("run", src)
    assert done.returncode == 65
    assert "bad.S:3:" in one_paragraph(done.stderr) and "frob x0, x1" in done.stderr.decode()


def test_elf_that_is_not_aarch64() -> None:
    done = emu("run", sys.executable if Path(sys.executable).read_bytes()[:4] == b"\x7fELF" else "/bin/true")
    assert done.returncode == 68
    assert "AArch64" in one_paragraph(done.stderr) or "EM_" in done.stderr.decode()


def test_image_larger_than_ram(tmp_path: Path) -> None:
    big = write(tmp_path, "big.bin", bytes(2 << 20))
    done = emu("run", "--ram", "2", big)
    assert done.returncode == 69
    assert "big.bin" in one_paragraph(done.stderr)


def test_entry_point_outside_ram(tmp_path: Path) -> None:
    elf = write(tmp_path, "far.elf", make_elf(bytes.fromhex("1f2003d5") * 4, entry=0x1000_0000))
    done = emu("run", elf)
    assert done.returncode == 69
    assert "0x10000000" in one_paragraph(done.stderr)


def test_guest_that_jumps_to_unmapped_memory_without_vectors(tmp_path: Path) -> None:
    src = write(tmp_path, "jump.S", "    ldr x0, =0x0b000000\n    br x0\n")
    done = emu("run", src)
    assert done.returncode == 72
    text = one_paragraph(done.stderr)
    assert "exception loop" in text and "PC=0x200 in EL2h" in text
    assert "EC=0x21 ESR=0x86000010 from EL2 to EL2 at ELR=0x200 FAR=0x200" in text


def test_guest_that_faults_without_vectors(tmp_path: Path) -> None:
    done = emu("run", write(tmp_path, "udf.S", "    .word 0    // UDF #0\n"))
    assert done.returncode == 72
    assert "VBAR_EL2 = 0x0" in one_paragraph(done.stderr)


def test_runaway_guest(tmp_path: Path) -> None:
    done = emu("run", "--max-insns", "100000", write(tmp_path, "spin.S", "spin:\n    b spin\n"))
    assert done.returncode == 71
    text = one_paragraph(done.stderr)
    assert "budget of 100000 instructions" in text and "PC=0x40080000 in EL2h" in text
    assert "'b #0x40080000' (0x14000000)" in text


def test_aarch32_attempt(tmp_path: Path) -> None:
    src = write(tmp_path, "a32.S", "    mov x0, #0x10\n    msr spsr_el2, x0\n    eret\n")
    done = emu("run", src)
    assert done.returncode == 73
    assert "AArch32" in one_paragraph(done.stderr)


def test_wfi_forever(tmp_path: Path) -> None:
    done = emu("run", write(tmp_path, "sleep.S", "    wfi\n"))
    assert done.returncode == 74
    assert "WFI" in one_paragraph(done.stderr)


def test_asm_subcommand_writes_the_raw_image(tmp_path: Path) -> None:
    out = tmp_path / "hello.bin"
    assert emu("asm", "asm/hello.S", "-o", out).returncode == 0
    assert out.read_bytes() == (ROOT / "guest_images/hello.bin").read_bytes()


HYPERVISOR = '''
from emu.arch.esr import EC
from emu.hyp import Hypervisor


class Answer42(Hypervisor):
    """Emulates `hvc #0x42` by returning 42 in X0; PSCI (HVC) goes to the default."""

    def handle_exit(self, exit):
        if exit.ec == EC.HVC64 and exit.esr & 0xFFFF == 0x42:
            self.machine.cpu.set_x(0, 42)
            return
        super().handle_exit(exit)
'''

GUEST = """
    hvc #0x42
    cmp x0, #42
    b.ne wrong
    ldr x1, =0x09000000
    mov w2, #'o'
    strb w2, [x1]
    mov w2, #'k'
    strb w2, [x1]
wrong:
    ldr x0, =0x84000008
    hvc #0
"""


def test_python_hypervisor_from_the_command_line(tmp_path: Path) -> None:
    hyp = write(tmp_path, "answer.py", HYPERVISOR)
    done = emu("run", "--hypervisor", f"{hyp}:Answer42", write(tmp_path, "guest.S", GUEST))
    assert (done.returncode, done.stdout, done.stderr) == (0, b"ok", b"")


@pytest.mark.parametrize("spec, words", [
    ("nocolon", "takes MODULE:CLASS"),
    ("no_such_module_xyz:Hyp", "ModuleNotFoundError"),
    ("emu.errors:EmuError", "is not a subclass of emu.hyp.Hypervisor"),
])
def test_bad_hypervisor_spec(spec: str, words: str) -> None:
    done = emu("run", "--hypervisor", spec, "asm/hello.S")
    assert done.returncode == 64
    assert words in one_paragraph(done.stderr)


def test_cost_model_file_changes_cycles_not_behaviour(tmp_path: Path) -> None:
    model = write(tmp_path, "slow.toml", "int = 7\n")
    done = emu("run", "--cost-model", model, "asm/hello.S")
    assert (done.returncode, done.stdout) == (0, (ROOT / "asm/hello.expected").read_bytes())


@pytest.mark.parametrize("text, words", [
    ("int = -1\n", "line 1"),
    ("int = 1\nfrobnicate = 2\n", "line 2"),
    ("int = \n", "not valid TOML"),
])
def test_bad_cost_model(tmp_path: Path, text: str, words: str) -> None:
    done = emu("run", "--cost-model", write(tmp_path, "bad.toml", text), "asm/hello.S")
    assert done.returncode == 75
    assert words in one_paragraph(done.stderr)


def test_closed_pipe_is_quiet() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "emu.cli", "run", "asm/vectors.S"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    assert proc.wait(timeout=60) in (0, 141)  # 0 if the guest finished before the pipe closed
    assert b"Traceback" not in proc.stderr.read()


def test_gic_state_table_after_the_run() -> None:
    done = emu("run", "--gic-state", "asm/pmu_overflow_irq.S")
    assert done.returncode == 0
    lines = done.stderr.decode().splitlines()
    assert lines[0].split() == ["INTID", "kind", "group", "prio", "trigger", "line", "enabled", "state"]
    assert lines[1].split() == ["23", "PPI", "1", "0x80", "level", "low", "yes", "inactive"]
    assert "ICC_PMR_EL1=0xf8" in lines[2] and "nIRQ=low" in lines[2]


def test_gic_state_lists_the_list_registers() -> None:
    done = emu("run", "--gic-state", "asm/gic_hw_forward.S")
    assert done.returncode == 0
    lines = done.stderr.decode().splitlines()
    lr0 = lines[lines.index(next(l for l in lines if l.split()[:2] == ["LR", "state"])) + 1]
    assert lr0.split() == ["0", "invalid", "1", "1", "0xa0", "27", "27"]
    assert "ICH_ELRSR_EL2=0xf" in lines[-1]
