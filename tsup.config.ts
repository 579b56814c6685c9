import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'sources/index': 'src/sources/index.ts',
    'transforms/index': 'src/transforms/index.ts',
    'features/index': 'src/features/index.ts',
    'sinks/index': 'src/sinks/index.ts',
    'replay/index': 'src/replay/index.ts',
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  target: 'node20',
  shims: true,
});
