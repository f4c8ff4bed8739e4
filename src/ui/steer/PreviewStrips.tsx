import { ImageCanvas } from '../ImageCanvas';

/** Both runs call by call (the latent after each UNet call through the model's preview map), the steered calls marked. */
export function PreviewStrips({ previews, window }: { previews: { unsteered: string[]; steered: string[] }; window: readonly [number, number] }) {
  return (
    <div className="preview-strips" data-testid="preview-strips">
      {(['unsteered', 'steered'] as const).map((run) => (
        <div className="preview-strip" key={run}>
          <span className="muted small">{run}</span>
          {previews[run].map((id, c) => (
            <ImageCanvas key={id} imageId={id} className={`preview-frame ${run === 'steered' && c >= window[0] && c < window[1] ? 'steered' : ''}`} title={`${run}, after UNet call ${c}`} />
          ))}
        </div>
      ))}
    </div>
  );
}

