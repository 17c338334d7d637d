// The import rules of ARCHITECTURE.md are enforced by eslint.config.js; prove each one bites.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(filePath: string, code: string): Promise<boolean> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).some((m) => m.ruleId === 'no-restricted-imports');
}

describe('layer boundaries (eslint)', () => {
  const cases: [string, string, boolean][] = [
    ['src/shared/x.ts', "import fs from 'node:fs';", true],
    ['src/shared/x.ts', "import { a } from '../service/system';", true],
    ['src/service/x.ts', "import { app } from 'electron';", true],
    ['src/service/x.ts', "import { run } from '../cli/run';", true],
    ['src/service/x.ts', "import fs from 'node:fs';", false],
    ['src/cli/x.ts', "import { startService } from '../service/system';", true],
    ['src/cli/x.ts', "import { Status } from '../shared/protocol';", false],
    ['src/main/x.ts', "import { startService } from '../service/system';", true],
    ['src/main/x.ts', "import { app } from 'electron';", false],
    ['src/renderer/x.ts', "import { ipcRenderer } from 'electron';", true],
    ['src/renderer/x.ts', "import os from 'node:os';", true],
    ['src/renderer/components/X.ts', "import { useStore } from '../store/app';", true],
    ['src/main/x.ts', "import { ControlClient } from '../client/control-client';", false],
    ['src/cli/x.ts', "import { ControlClient } from '../client/control-client';", false],
    ['src/client/x.ts', "import { app } from 'electron';", true],
    ['src/client/x.ts', "import { run } from '../cli/run';", true],
    ['src/service/x.ts', "import { ControlClient } from '../client/control-client';", true],
    ['src/renderer/x.tsx', "import { ControlClient } from '../client/control-client';", true],
    ['src/preload/x.ts', "import { ControlClient } from '../client/control-client';", true],
    ['src/renderer/components/X.tsx', "import { api } from '../api';", true],
  ];
  for (const [file, code, forbidden] of cases) {
    it(`${file}: ${code} is ${forbidden ? 'refused' : 'allowed'}`, async () => {
      expect(await restricted(file, code)).toBe(forbidden);
    });
  }
});
