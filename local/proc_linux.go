package local

import "syscall"

// setParentDeathSignal: if chalice itself is killed, the kernel kills the
// app's processes too, so none is left behind.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
