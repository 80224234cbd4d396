// Command pause is the first process of every pod on Shipyard's real node: it holds the
// pod's namespaces open and does nothing else. It is built from this file by Shipyard
// (CGO_ENABLED=0, a static binary) and shipped in an image FROM scratch, so the node never
// pulls the upstream pause image from a public registry.
//
// It exits 0 on SIGINT or SIGTERM and reaps any child that is re-parented to it (a pod that
// shares its process namespace makes it PID 1 of that namespace).
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set by the build (-X main.version=...).
var version = "dev"

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-v" || os.Args[1] == "--version") {
		fmt.Printf("pause %s (shipyard)\n", version)
		return
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	children := make(chan os.Signal, 16)
	signal.Notify(children, syscall.SIGCHLD)
	for {
		select {
		case <-stop:
			os.Exit(0)
		case <-children:
			for {
				var status syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		}
	}
}
