package config

import "testing"

func TestSettingsMirrorsTheList(t *testing.T) {
	all, info := settings(), Settings()
	if len(info) != len(all) {
		t.Fatalf("Settings has %d entries, settings %d", len(info), len(all))
	}
	names := map[string]bool{}
	for i, s := range info {
		a := all[i]
		if s.Name != a.name || s.Short != a.short || s.Env != a.env || s.Default != a.def ||
			s.Usage != a.usage || s.Allowed != a.allowed || s.Multi != a.multi || s.IsBool != a.isBool {
			t.Errorf("Settings()[%d] = %+v, does not match --%s", i, s, a.name)
		}
		if s.Multi && s.Sep == "" {
			t.Errorf("--%s is repeatable without a separator", s.Name)
		}
		if s.IsBool != (s.Arg == "") {
			t.Errorf("--%s: IsBool %v with Arg %q", s.Name, s.IsBool, s.Arg)
		}
		names[s.Name] = true
	}
	for _, o := range OtherFlags() {
		if names[o.Name] {
			t.Errorf("OtherFlags repeats the setting --%s", o.Name)
		}
	}
	info[0].Name = "changed"
	if Settings()[0].Name == "changed" {
		t.Error("Settings returns shared state")
	}
}
