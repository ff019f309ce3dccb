// A sink built on Go's net/http, the server Knative's multi-tenant Broker ingress runs on: it answers
// one connection's requests in turn, as that ingress does. Each request's body comes back as the answer's,
// with 202. A request with "x-close: 1" is answered with Connection: close, after which net/http reads
// nothing more on that connection. Prints "listening PORT" once it accepts connections.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

func main() {
	var served atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		served.Add(1)
		if r.Header.Get("x-close") == "1" {
			w.Header().Set("Connection", "close")
		}
		if d := r.Header.Get("x-delay-ms"); d != "" {
			ms, _ := time.ParseDuration(d + "ms")
			time.Sleep(ms)
		}
		w.Header().Set("x-served", fmt.Sprint(served.Load()))
		w.WriteHeader(http.StatusAccepted)
		w.Write(body)
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening %d\n", listener.Addr().(*net.TCPAddr).Port)
	server := &http.Server{Handler: handler, IdleTimeout: 2 * time.Second}
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
