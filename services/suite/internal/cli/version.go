package cli

import "runtime/debug"

// buildVersion is stamped at link time (make build, deploy/Dockerfile):
// -ldflags "-X github.com/stafett/stafett/services/suite/internal/cli.buildVersion=v1.2.3".
var buildVersion string

// version is the binary's version, reported as every service's
// service.version: the stamped one, else what the Go toolchain recorded
// (a module version or a VCS revision), else "dev".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return s.Value[:12]
		}
	}
	return "dev"
}
