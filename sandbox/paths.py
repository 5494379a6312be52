"""Where the sandbox's files are: its folder, the server script, the committed seed, the mock."""

from pathlib import Path

SANDBOX_DIR = Path(__file__).resolve().parent
SERVER_SCRIPT = SANDBOX_DIR / "server.mjs"
DEFAULT_SEED = SANDBOX_DIR / "data" / "seed.json"
# Present once `npm ci` installed the pinned mock.
MOCK_PACKAGE = SANDBOX_DIR / "node_modules" / "@labdigital" / "commercetools-mock" / "package.json"
