package config

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load("serve", nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "localhost:8080" || c.DataDir != "./tandem-data" || c.DatabaseURL != "" {
		t.Errorf("defaults: %+v", c)
	}
	if c.BaseURL != "http://localhost:8080" || c.ShutdownTimeout != 20*time.Second || !c.Demo {
		t.Errorf("derived defaults: %+v", c)
	}
}

func TestFlagBeatsEnvironmentBeatsDefault(t *testing.T) {
	e := env(map[string]string{"TANDEM_ADDR": "127.0.0.1:9000", "TANDEM_DATA_DIR": "/srv/t"})
	c, err := Load("serve", []string{"--addr", ":7000"}, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":7000" || c.DataDir != "/srv/t" || c.BaseURL != "http://localhost:7000" {
		t.Errorf("got %+v", c)
	}
}

func TestBadValuesNameTheSetting(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--nope"}, nil, "flag provided but not defined: -nope"},
		{nil, map[string]string{"TANDEM_ADDR": "8080"}, `TANDEM_ADDR="8080": must be host:port`},
		{nil, map[string]string{"TANDEM_DATABASE_URL": "mysql://x"}, "TANDEM_DATABASE_URL"},
		{[]string{"--max-body-bytes", "ten"}, nil, `--max-body-bytes="ten"`},
		{nil, map[string]string{"TANDEM_SHUTDOWN_TIMEOUT": "-1s"}, "TANDEM_SHUTDOWN_TIMEOUT"},
		{nil, map[string]string{"TANDEM_DEMO": "perhaps"}, "TANDEM_DEMO"},
		{nil, map[string]string{"TANDEM_BASE_URL": "example.com"}, "TANDEM_BASE_URL"},
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
	}
	for _, tc := range cases {
		_, err := Load("serve", tc.args, env(tc.env), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("args %v env %v: error %v, want it to contain %q", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	_, err := Load("serve", []string{"--help"}, env(nil), &out)
	if err != ErrHelp {
		t.Fatalf("err = %v, want ErrHelp", err)
	}
	for _, s := range settings() {
		if !strings.Contains(out.String(), "--"+s.flag) || !strings.Contains(out.String(), s.env) {
			t.Errorf("help lacks %s / %s", s.flag, s.env)
		}
	}
}
