import { useEffect, useRef, useState } from 'react';

/**
 * A spatial mask painted over an image, one cell per hook position
 * (gridH × gridW): drag to paint, with a brush of 1–3 cells, erase, clear.
 * An empty mask means "everywhere".
 */
export function MaskPainter({ image, gridH, gridW, mask, onChange }: { image: { width: number; height: number; rgba: Uint8ClampedArray } | null; gridH: number; gridW: number; mask: Float32Array; onChange: (mask: Float32Array) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [brush, setBrush] = useState(1);
  const [erase, setErase] = useState(false);
  const painting = useRef(false);
  const scale = 8;

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const w = gridW * scale * 4;
    const h = gridH * scale * 4;
    c.width = w;
    c.height = h;
    const g = c.getContext('2d')!;
    g.fillStyle = '#222';
    g.fillRect(0, 0, w, h);
    if (image) {
      const tmp = new OffscreenCanvas(image.width, image.height);
      tmp.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.rgba), image.width, image.height), 0, 0);
      g.imageSmoothingEnabled = false;
      g.drawImage(tmp, 0, 0, w, h);
    }
    const cw = w / gridW;
    const ch = h / gridH;
    for (let p = 0; p < gridH * gridW; p++) {
      const x = (p % gridW) * cw;
      const y = Math.floor(p / gridW) * ch;
      if (mask[p] > 0) {
        g.fillStyle = 'rgba(255, 255, 255, 0.45)';
        g.fillRect(x, y, cw, ch);
      }
      g.strokeStyle = mask[p] > 0 ? 'rgba(255,255,255,0.9)' : 'rgba(255,255,255,0.25)';
      g.strokeRect(x + 0.5, y + 0.5, cw - 1, ch - 1);
    }
  }, [image, gridH, gridW, mask]);

  const paintAt = (event: React.PointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const cx = Math.floor(((event.clientX - rect.left) / rect.width) * gridW);
    const cy = Math.floor(((event.clientY - rect.top) / rect.height) * gridH);
    const next = new Float32Array(mask);
    const r = brush - 1;
    for (let y = cy - r; y <= cy + r; y++) for (let x = cx - r; x <= cx + r; x++) if (x >= 0 && y >= 0 && x < gridW && y < gridH) next[y * gridW + x] = erase ? 0 : 1;
    if (next.some((v, i) => v !== mask[i])) onChange(next);
  };

  return (
    <div className="mask-painter">
      <canvas
        ref={canvas}
        data-testid="mask-canvas"
        onPointerDown={(e) => {
          painting.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
          paintAt(e);
        }}
        onPointerMove={(e) => painting.current && paintAt(e)}
        onPointerUp={() => (painting.current = false)}
      />
      <div className="form-row">
        <label>
          Brush
          <select value={brush} onChange={(e) => setBrush(Number(e.target.value))} data-testid="mask-brush">
            <option value={1}>1 cell</option>
            <option value={2}>3×3</option>
            <option value={3}>5×5</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={erase} onChange={(e) => setErase(e.target.checked)} /> erase
        </label>
        <button type="button" className="link" onClick={() => onChange(new Float32Array(gridH * gridW))} data-testid="mask-clear">
          Clear
        </button>
        <span className="muted small" data-testid="mask-count">
          {mask.some((v) => v > 0) ? `${mask.filter((v) => v > 0).length} of ${gridH * gridW} positions` : 'no mask: everywhere'}
        </span>
      </div>
    </div>
  );
}
