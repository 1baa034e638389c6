package test

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel kill the server if the test process dies first
// (a test binary's timeout panics without running cleanups).
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
