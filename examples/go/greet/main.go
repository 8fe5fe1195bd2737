// greet: an invoke function, JSON in and JSON out (WASI preview 1 command, function ABI v1).
//
//	{"name": "Ada"}  ->  {"greeting":"hello Ada","length":3}
//
// "name" is optional ("world" when absent); "length" is the name's length in UTF-8 bytes.
// Input that is not a JSON object, or a "name" that is not a string, is reported on stderr
// with exit code 1 (the invocation ends EXIT_NONZERO).
//
//	GOOS=wasip1 GOARCH=wasm go build -o build/guests/go-greet.wasm ./greet
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

type request struct {
	Name *string `json:"name"`
}

type response struct {
	Greeting string `json:"greeting"`
	Length   int    `json:"length"`
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("cannot read the input: %v", err)
	}
	var req request
	if err := json.Unmarshal(input, &req); err != nil {
		fail("expected a JSON object like {\"name\": \"Ada\"}: %v", err)
	}
	name := "world"
	if req.Name != nil {
		name = *req.Name
	}
	answer, err := marshal(response{Greeting: "hello " + name, Length: len(name)})
	if err != nil {
		fail("cannot encode the answer: %v", err)
	}
	os.Stdout.Write(answer)
}

// marshal is json.Marshal without its HTML escaping of <, > and &, which an API answer does not need.
func marshal(value any) ([]byte, error) {
	var buffer bytes.Buffer
	encoder := json.NewEncoder(&buffer)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(value); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buffer.Bytes(), []byte("\n")), nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "greet: "+format+"\n", args...)
	os.Exit(1)
}
