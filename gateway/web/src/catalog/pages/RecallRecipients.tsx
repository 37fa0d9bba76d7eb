import { useI18n } from '../../lib/i18n.ts';
import { formatTime } from '../../lib/ui.tsx';
import type { RecallRecipient } from '../recall-api.ts';

/** On a corrected issue, for its provider: which consumers were sent a recall notice, and whether they have read it. */
export function RecallRecipients({ recalled }: { recalled: RecallRecipient[] | null | undefined }) {
  const { t, lang } = useI18n();
  if (!recalled) return null;
  return (
    <section className="recalled" aria-label={t('recalledTitle')}>
      <h4>{t('recalledTitle')}</h4>
      {recalled.length === 0 ? <p className="muted small">{t('recalledNone')}</p> : (
        <ul>
          {recalled.map((r) => (
            <li key={r.noticeId}>
              <strong>{r.consumerName ?? r.consumer}</strong> <span className="muted small">({r.consumer})</span>{' — '}
              {t('readsSince', { n: r.reads, at: formatTime(r.lastReadAt, lang) })}{' · '}
              {r.readAt ? t('recipientRead', { at: formatTime(r.readAt, lang) }) : <span className="badge badge-warn">{t('noticeUnread')}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
