package test

import (
	"net"
	"sync"
	"testing"
	"time"
)

// proxyState is what a dbProxy does with traffic.
type proxyState int

const (
	proxyUp         proxyState = iota // forwards both ways
	proxyRefusing                     // listener closed: connecting is refused, every connection was closed
	proxyBlackholed                   // accepts, but nothing goes through either way: a network that drops packets
	proxyClosed                       // the test is over
)

// proxyLink is one client connection and, once dialled, its connection to the database.
type proxyLink struct {
	client, server net.Conn
	// tainted: bytes were dropped, or the link was never forwarded; its stream is
	// broken, so it is closed when the proxy is restored.
	tainted bool
}

func (l *proxyLink) close() {
	_ = l.client.Close()
	if l.server != nil {
		_ = l.server.Close()
	}
}

// dbProxy is a TCP proxy in front of a database that the test can cut and restore.
type dbProxy struct {
	target string // the database's address
	addr   string // the proxy's address: the same across cuts
	mu     sync.Mutex
	state  proxyState
	ln     net.Listener
	links  map[*proxyLink]struct{}
}

// startProxy listens on a free port of 127.0.0.1 and forwards to target until the test ends.
func startProxy(t *testing.T, target string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{target: target, addr: ln.Addr().String(), ln: ln, links: map[*proxyLink]struct{}{}}
	go p.serve(ln)
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.state = proxyClosed
		if p.ln != nil {
			_ = p.ln.Close()
		}
		p.closeLinks(func(*proxyLink) bool { return true })
	})
	return p
}

func (p *dbProxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		l := &proxyLink{client: c}
		p.mu.Lock()
		switch p.state {
		case proxyUp:
			p.links[l] = struct{}{}
			go p.forward(l)
		case proxyBlackholed:
			l.tainted = true // held: never answered, closed on restore
			p.links[l] = struct{}{}
		default:
			_ = c.Close()
		}
		p.mu.Unlock()
	}
}

func (p *dbProxy) forward(l *proxyLink) {
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	p.mu.Lock()
	if err != nil || p.state != proxyUp {
		// The database refused, or the proxy was cut while dialling.
		if server != nil {
			_ = server.Close()
		}
		if p.state == proxyBlackholed {
			l.tainted = true // held like a connection accepted now
			p.mu.Unlock()
			return
		}
		delete(p.links, l)
		p.mu.Unlock()
		_ = l.client.Close()
		return
	}
	l.server = server
	p.mu.Unlock()
	go p.pipe(l, l.server, l.client)
	p.pipe(l, l.client, l.server)
}

// pipe copies src to dst until either ends; while the proxy is blackholed it reads and drops.
func (p *dbProxy) pipe(l *proxyLink, dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			drop := p.state != proxyUp
			if drop {
				l.tainted = true
			}
			p.mu.Unlock()
			if !drop {
				if _, err := dst.Write(buf[:n]); err != nil {
					break
				}
			}
		}
		if err != nil {
			break
		}
	}
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
	l.close()
}

// closeLinks closes the links that match; the caller holds p.mu.
func (p *dbProxy) closeLinks(match func(*proxyLink) bool) {
	for l := range p.links {
		if match(l) {
			l.close()
			delete(p.links, l)
		}
	}
}

// refuse closes every connection and the listener: connecting is refused, as by a host whose database is down.
func (p *dbProxy) refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = proxyRefusing
	_ = p.ln.Close()
	p.ln = nil
	p.closeLinks(func(*proxyLink) bool { return true })
}

// blackhole lets every connection stand, and new ones be accepted, but lets nothing
// through either way: only the client's own timeouts end a request.
func (p *dbProxy) blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = proxyBlackholed
}

// restore forwards again, on the same address. Connections whose bytes were
// dropped are broken, and are closed; untouched ones carry on.
func (p *dbProxy) restore(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
		}
		p.ln = ln
		go p.serve(ln)
	}
	p.closeLinks(func(l *proxyLink) bool { return l.tainted })
	p.state = proxyUp
}
