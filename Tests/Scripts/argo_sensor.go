// Runs events through an Argo Events Sensor's dependency filters and trigger parameters the
// way argo-events v1.9 does, with Go's own text/template and regexp:
//
//   - the Kafka event source's payload: {"topic", "key", "partition", "body", ...}, `body` the
//     message's JSON itself when jsonBody is set (pkg/eventsources/sources/kafka/start.go);
//   - data filters of type string: each value a regular expression matched anywhere in the
//     value at `path`, values OR'd, filters AND'd (pkg/sensors/dependencies/filter.go, filterData);
//   - parameters: dataKey looked up in the payload; dataTemplate executed with the payload as
//     .Input, its result an error when empty or "<no value>", then the key, then `value` as the
//     fallback (pkg/sensors/triggers/params.go, ResolveParamValue and getValueWithTemplate).
//
// Differences: paths are dotted keys (gjson's wildcards and escapes are not needed by our
// Sensor), and sprig's functions are not registered: a template that calls one fails here.
//
//	go run Tests/Scripts/argo_sensor.go SENSOR.json EVENTS.json
//
// SENSOR.json is the Sensor as JSON, EVENTS.json an array of the events topic's messages; the
// output is one JSON object per event: {"passes": bool, "parameters": [...], "errors": [...]}.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"text/template"
)

type sensor struct {
	Spec struct {
		Dependencies []struct {
			Filters struct {
				Data []struct {
					Path  string   `json:"path"`
					Type  string   `json:"type"`
					Value []string `json:"value"`
				} `json:"data"`
			} `json:"filters"`
		} `json:"dependencies"`
		Triggers []struct {
			Template struct {
				ArgoWorkflow struct {
					Parameters []struct {
						Src struct {
							DataKey      string  `json:"dataKey"`
							DataTemplate string  `json:"dataTemplate"`
							Value        *string `json:"value"`
						} `json:"src"`
					} `json:"parameters"`
				} `json:"argoWorkflow"`
			} `json:"template"`
		} `json:"triggers"`
	} `json:"spec"`
}

func lookup(payload interface{}, path string) (interface{}, bool) {
	current := payload
	for _, key := range strings.Split(path, ".") {
		object, ok := current.(map[string]interface{})
		if !ok {
			return nil, false
		}
		if current, ok = object[key]; !ok {
			return nil, false
		}
	}
	return current, true
}

func text(value interface{}) string {
	if s, ok := value.(string); ok {
		return s
	}
	encoded, _ := json.Marshal(value)
	return string(encoded)
}

func render(payload interface{}, source string) (string, error) {
	parsed, err := template.New("param").Parse(source)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := parsed.Execute(&out, map[string]interface{}{"Input": payload}); err != nil {
		return "", err
	}
	if out.String() == "" || out.String() == "<no value>" {
		return "", fmt.Errorf("template evaluated to empty string or no value")
	}
	return out.String(), nil
}

func main() {
	var spec sensor
	var events []interface{}
	for i, target := range []interface{}{&spec, &events} {
		data, err := os.ReadFile(os.Args[1+i])
		if err == nil {
			err = json.Unmarshal(data, target)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	encoder := json.NewEncoder(os.Stdout)
	for _, event := range events {
		payload := map[string]interface{}{"topic": "driftwatch.events", "partition": 0, "body": event}
		passes := true
		for _, dependency := range spec.Spec.Dependencies {
			for _, filter := range dependency.Filters.Data {
				value, found := lookup(payload, filter.Path)
				matched := false
				for _, pattern := range filter.Value {
					expression, err := regexp.Compile(pattern)
					if err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(2)
					}
					matched = matched || (found && expression.MatchString(text(value)))
				}
				passes = passes && matched
			}
		}
		parameters, problems := []interface{}{}, []string{}
		for _, trigger := range spec.Spec.Triggers {
			for _, parameter := range trigger.Template.ArgoWorkflow.Parameters {
				source := parameter.Src
				var resolved interface{}
				if source.DataTemplate != "" {
					if out, err := render(payload, source.DataTemplate); err == nil {
						resolved = out
					} else {
						problems = append(problems, err.Error())
					}
				}
				if resolved == nil && source.DataKey != "" {
					if value, found := lookup(payload, source.DataKey); found {
						resolved = text(value)
					}
				}
				if resolved == nil && source.Value != nil {
					resolved = *source.Value
				}
				parameters = append(parameters, resolved)
			}
		}
		encoder.Encode(map[string]interface{}{"passes": passes, "parameters": parameters, "errors": problems})
	}
}
