#!/usr/bin/env bash
# The test command: installs missing prerequisites, builds the guest functions and the solution,
# runs every test project but the fault tests (projects in parallel), then the fault tests alone:
# they load the machine on purpose and measure latency, so nothing else may compete with them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

bash scripts/install-prerequisites.sh
bash examples/build.sh
dotnet build Platform.sln --nologo -v quiet
dotnet test Platform.sln --no-build --nologo --filter "FullyQualifiedName!~Platform.Faults.Tests" "$@"
dotnet test tests/Platform.Faults.Tests --no-build --nologo "$@"
