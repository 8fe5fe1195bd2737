// http: an HTTP function (the HTTP trigger's CGI contract, see docs/http.md).
//
//	GET /hello?name=Ada  -> 200 application/json {"greeting":"hello Ada","method":"GET","bytes":0}
//	anything else        -> 404 text/plain "no route for <path>"
//
// "bytes" counts the request body (stdin). The name is the first name= query parameter as
// sent (not percent-decoded), "world" without one. Every answer carries X-Language: go.
//
//	GOOS=wasip1 GOARCH=wasm go build -o build/guests/go-http.wasm ./http
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

type greeting struct {
	Greeting string `json:"greeting"`
	Method   string `json:"method"`
	Bytes    int64  `json:"bytes"`
}

func main() {
	bodyBytes, _ := io.Copy(io.Discard, os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()

	path := os.Getenv("PATH_INFO")
	if path != "/hello" {
		fmt.Fprintf(out, "Status: 404 Not Found\nContent-Type: text/plain\nX-Language: go\n\nno route for %s\n", path)
		return
	}

	name := "world"
	for _, pair := range strings.Split(os.Getenv("QUERY_STRING"), "&") {
		if value, found := strings.CutPrefix(pair, "name="); found {
			name = value
			break
		}
	}
	// An encoder without HTML escaping (json.Marshal turns <, > and & into \u003c ...).
	fmt.Fprint(out, "Content-Type: application/json\nX-Language: go\n\n")
	var body strings.Builder
	encoder := json.NewEncoder(&body)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(greeting{Greeting: "hello " + name, Method: os.Getenv("REQUEST_METHOD"), Bytes: bodyBytes}); err != nil {
		os.Exit(1)
	}
	fmt.Fprint(out, strings.TrimSuffix(body.String(), "\n"))
}
