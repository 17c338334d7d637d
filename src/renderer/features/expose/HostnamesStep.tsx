/** Step 3: the public hostname(s) and the site's name (suggested from the first hostname). */
import { Banner } from '../../components/Banner';
import { Field } from '../../components/Field';
import { useResource } from '../../hooks/use-resource';
import { checkHostnames, checkSiteName } from './site-inputs';
import type { ExposeWizard } from './use-expose-wizard';

/** The third step. */
export function HostnamesStep({ wizard }: { wizard: ExposeWizard }) {
  const { hostnames, name, exposed } = wizard.state;
  const sites = useResource('sites');
  const hosts = hostnames.trim() ? checkHostnames(hostnames) : null;
  const siteName = name.trim() ? checkSiteName(name) : null;
  const existing = sites.data?.sites.find((s) => s.name === name.trim().toLowerCase());
  return (
    <div className="stack">
      <Field
        label="Public hostnames"
        value={hostnames}
        onChange={(text) => wizard.dispatch({ type: 'hostnames', text })}
        placeholder="www.example.com"
        error={hosts && !hosts.ok ? hosts.error : undefined}
        hint="The names visitors use; separate several with spaces or commas. Point their DNS (A/AAAA records) at your edges."
      />
      <Field
        label="Site name"
        value={name}
        onChange={(n) => wizard.dispatch({ type: 'name', name: n })}
        placeholder="blog"
        error={siteName && !siteName.ok ? siteName.error : undefined}
        hint="Names the site on this node and on the edges."
      />
      {existing && !exposed && (
        <Banner tone="warn" title={`A site named ${existing.name} already exists`}>
          It exposes {existing.target} as {existing.hostnames.join(', ')}. Going on replaces it; Cancel puts it back.
        </Banner>
      )}
    </div>
  );
}
