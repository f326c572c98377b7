//! One kernel behind a [`Transport`]: runs commands (registers, start, wait, status) and keeps
//! the cycle counts the kernel reports, which the projections are computed from.

use std::sync::{Mutex, MutexGuard};

use zkaccel_backends::{BackendError, Result};

use crate::regs::{self, Command};
use crate::transport::{DeviceBuffer, Transport};

/// What the kernel reported for one command.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandStats {
    /// Kernel cycles from start to done (the CYCLES register).
    pub cycles: u64,
    /// MSM pairs that went through the conflict queue (STAT0).
    pub conflicts: u32,
    /// MSM cycles the input waited on a full conflict queue (STAT1).
    pub stalls: u32,
    /// MSM additions that were doublings, left to the host (STAT2).
    pub doublings: u32,
}

/// Totals per command kind since the device started (or since [`Device::take_log`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleLog {
    /// `(command, items, stats)` for each command run, in order (`items`: pairs, elements or
    /// messages the command processed).
    pub commands: Vec<(Command, u64, CommandStats)>,
}

impl CycleLog {
    /// Total cycles of the commands of one kind.
    pub fn cycles(&self, kind: Command) -> u64 {
        self.commands.iter().filter(|c| c.0 == kind).map(|c| c.2.cycles).sum()
    }
}

/// The kernel's synthesis parameters, read from CAPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Register-map version.
    pub version: u32,
    /// Largest MSM window (bits): 2^(cmax−1) buckets on chip.
    pub cmax: u32,
    /// log2 of the largest NTT the core holds on chip.
    pub ntt_logmax: u32,
    /// The engines this build carries: `regs::ENGINE_*` bits.
    pub engines: u32,
}

impl Caps {
    /// Decodes the CAPS register.
    pub fn from_register(value: u32) -> Caps {
        Caps {
            version: value & 0xff,
            cmax: (value >> 8) & 0x1f,
            ntt_logmax: (value >> 16) & 0x1f,
            engines: (value >> 24) & 7,
        }
    }

    /// Whether the build carries the engine with CAPS bit `engine` (`regs::ENGINE_*`).
    pub fn has(&self, engine: u32) -> bool {
        self.engines & engine != 0
    }

    /// The engines' names, e.g. "MSM, NTT, Poseidon".
    pub fn engine_names(&self) -> String {
        let names = [(regs::ENGINE_MSM, "MSM"), (regs::ENGINE_NTT, "NTT"), (regs::ENGINE_POSEIDON, "Poseidon")];
        let present: Vec<&str> = names.iter().filter(|(bit, _)| self.has(*bit)).map(|(_, name)| *name).collect();
        if present.is_empty() {
            "no engines".to_string()
        } else {
            present.join(", ")
        }
    }

    /// Why a kernel with these capabilities cannot be driven, if it cannot.
    pub fn unsupported(&self) -> Option<String> {
        if self.version != regs::VERSION {
            return Some(format!("register-map version {} (this host speaks version {})", self.version, regs::VERSION));
        }
        if self.engines == 0 {
            return Some("the build carries no engine".to_string());
        }
        if self.has(regs::ENGINE_MSM) && self.cmax < 2 {
            return Some(format!("MSM windows up to {} bits (at least 2 needed)", self.cmax));
        }
        if self.has(regs::ENGINE_NTT) && self.ntt_logmax < 2 {
            return Some(format!("NTTs up to 2^{} (at least 2^2 needed)", self.ntt_logmax));
        }
        None
    }
}

/// A kernel and the log of what it ran.
pub struct Device {
    transport: Mutex<Box<dyn Transport>>,
    log: Mutex<CycleLog>,
    caps: Caps,
    describe: String,
    memory_bytes: u64,
}

fn lost(reason: String) -> BackendError {
    BackendError::DeviceLost { device: String::new(), reason }
}

/// Exclusive use of the kernel for a sequence of commands (an NTT's load, stages and store).
pub struct Session<'a> {
    transport: MutexGuard<'a, Box<dyn Transport>>,
    log: &'a Mutex<CycleLog>,
}

impl Device {
    /// Checks the kernel's ID register and reads its capabilities.
    pub fn open(mut transport: Box<dyn Transport>) -> Result<Self> {
        let id = transport.read_reg(regs::ID)?;
        if id != regs::ID_VALUE {
            return Err(lost(format!("the kernel's ID register reads {id:#010x}, expected {:#010x}", regs::ID_VALUE)));
        }
        let caps = transport.read_reg(regs::CAPS)?;
        let caps = Caps::from_register(caps);
        if let Some(why) = caps.unsupported() {
            return Err(lost(format!("unsupported kernel: {why} ({caps:?})")));
        }
        let describe = transport.describe();
        let memory_bytes = transport.memory_bytes();
        Ok(Device {
            transport: Mutex::new(transport),
            log: Mutex::new(CycleLog::default()),
            caps,
            describe,
            memory_bytes,
        })
    }

    /// The kernel's capabilities.
    pub fn caps(&self) -> Caps {
        self.caps
    }

    /// The transport's description.
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// Device memory for buffers, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.memory_bytes
    }

    /// Exclusive use of the kernel until the session drops.
    pub fn session(&self) -> Session<'_> {
        Session { transport: self.transport.lock().unwrap_or_else(|e| e.into_inner()), log: &self.log }
    }

    /// Returns the cycle log and starts a new one.
    pub fn take_log(&self) -> CycleLog {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Session<'_> {
    /// Allocates a device buffer.
    pub fn alloc(&mut self, len: usize) -> Result<DeviceBuffer> {
        self.transport.alloc(len)
    }

    /// Frees a device buffer.
    pub fn free(&mut self, buffer: DeviceBuffer) {
        self.transport.free(buffer)
    }

    /// A buffer holding `data`.
    pub fn upload(&mut self, data: &[u8]) -> Result<DeviceBuffer> {
        let buffer = self.transport.alloc(data.len())?;
        if let Err(e) = self.transport.write(&buffer, 0, data) {
            self.transport.free(buffer);
            return Err(e);
        }
        Ok(buffer)
    }

    /// Copies `data` into `buffer` at `offset`.
    pub fn write(&mut self, buffer: &DeviceBuffer, offset: usize, data: &[u8]) -> Result<()> {
        self.transport.write(buffer, offset, data)
    }

    /// Reads `out.len()` bytes of `buffer` from `offset`.
    pub fn read(&mut self, buffer: &DeviceBuffer, offset: usize, out: &mut [u8]) -> Result<()> {
        self.transport.read(buffer, offset, out)
    }

    /// Runs one command: arguments, start, wait (at most `max_cycles`), then the status.
    pub fn run(
        &mut self,
        cmd: Command,
        n: u32,
        arg: u32,
        addrs: [u64; 3],
        items: u64,
        max_cycles: u64,
    ) -> Result<CommandStats> {
        let t = &mut self.transport;
        t.write_reg(regs::OP, cmd as u32)?;
        t.write_reg(regs::N, n)?;
        t.write_reg(regs::ARG, arg)?;
        for (reg, addr) in regs::ADDR.iter().zip(addrs) {
            t.write_reg(*reg, addr as u32)?;
            t.write_reg(reg + 4, (addr >> 32) as u32)?;
        }
        t.write_reg(regs::CTRL, regs::CTRL_START)?;
        t.wait(max_cycles)?;
        let ctrl = t.read_reg(regs::CTRL)?;
        if ctrl & regs::CTRL_DONE == 0 {
            return Err(lost(format!("{cmd:?} did not finish (CTRL = {ctrl:#x})")));
        }
        if ctrl & regs::CTRL_ERROR != 0 {
            let code = t.read_reg(regs::ERR)?;
            let meaning = regs::err_meaning(code);
            return Err(lost(format!(
                "the kernel rejected {cmd:?} (n = {n}, arg = {arg}) with error code {code} ({meaning})"
            )));
        }
        let cycles = u64::from(t.read_reg(regs::CYCLES_LO)?) | (u64::from(t.read_reg(regs::CYCLES_HI)?) << 32);
        let stats = CommandStats {
            cycles,
            conflicts: t.read_reg(regs::STAT0)?,
            stalls: t.read_reg(regs::STAT1)?,
            doublings: t.read_reg(regs::STAT2)?,
        };
        self.log.lock().unwrap_or_else(|e| e.into_inner()).commands.push((cmd, items, stats));
        Ok(stats)
    }
}
