#!/usr/bin/env bash
# The test command: installs missing prerequisites, builds the guest functions, then runs every
# test project of the solution.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

bash scripts/install-prerequisites.sh
bash examples/build.sh
dotnet test Platform.sln --nologo "$@"
