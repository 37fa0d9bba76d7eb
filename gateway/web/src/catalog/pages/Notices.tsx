import { useState } from 'react';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, formatTime, Loading, useAction, useQuery } from '../../lib/ui.tsx';
import { recallApi, type Notice } from '../recall-api.ts';

/** 召回通知: data this department read that its provider has since corrected (GB/T 39477 数据更新和召回). */
export function NoticesPage() {
  const { t } = useI18n();
  const notices = useQuery((signal) => recallApi.notices({ signal }), []);
  const list = notices.data ?? [];
  const unread = list.filter((n) => n.status === 'UNREAD').length;

  return (
    <>
      <h1>{t('noticesTitle')}</h1>
      <p className="muted">{t('noticesIntro')}</p>
      <ErrorMessage error={notices.error} />
      {notices.loading && !notices.data ? <Loading /> : list.length === 0 ? <p>{t('noNotices')}</p> : (
        <>
          <p role="status">{t('noticesUnread', { n: unread })}</p>
          <ul className="cards-list">
            {list.map((n) => (
              <li key={n.id} className={`panel${n.status === 'UNREAD' ? ' is-unread' : ''}`}>
                <NoticeCard notice={n} onRead={() => notices.reload()} />
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function NoticeCard({ notice: n, onRead }: { notice: Notice; onRead: () => void }) {
  const { t, lang } = useI18n();
  const { error, busy, run } = useAction();
  const [done, setDone] = useState(false);
  const titleId = `notice-${n.id}`;
  return (
    <article aria-labelledby={titleId}>
      <h2 id={titleId}>
        <code>{n.coordinate}</code>{' '}
        <span className={`badge ${n.status === 'UNREAD' ? 'badge-warn' : 'badge-muted'}`}>{n.status === 'UNREAD' ? t('noticeUnread') : t('noticeRead')}</span>
      </h2>
      <dl className="facts">
        <div><dt>{t('recordKey')}</dt><dd><code>{n.recordKey}</code></dd></div>
        <div><dt>{t('resource')}</dt><dd><code>{n.resource}</code> <span className="muted small">{n.providerName ?? n.provider}</span></dd></div>
        <div><dt>{t('correctedAt')}</dt><dd>{formatTime(n.correctedAt, lang)}</dd></div>
        <div><dt>{t('yourReads')}</dt><dd>{t('readsSince', { n: n.reads, at: formatTime(n.lastReadAt, lang) })}</dd></div>
        <div><dt>{t('note')}</dt><dd>{n.note}</dd></div>
        {n.readAt && <div><dt>{t('noticeReadAt')}</dt><dd>{formatTime(n.readAt, lang)}</dd></div>}
      </dl>
      <p className="small">{t('noticeAdvice')}</p>
      {n.status === 'UNREAD' && !done && (
        <button type="button" disabled={busy} aria-describedby={titleId}
          onClick={() => void run(null, async () => { await recallApi.markRead(n.id); setDone(true); onRead(); })}>
          {t('markRead')}
        </button>
      )}
      <ErrorMessage error={error} />
    </article>
  );
}
