// Types of what Vite handles in the renderer's imports (CSS files bundled from main.tsx).
/// <reference types="vite/client" />
