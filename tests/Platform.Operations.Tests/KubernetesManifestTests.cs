namespace Platform.Operations.Tests;

/// <summary>
/// deploy/k8s parsed as YAML (no cluster here): every object well-formed with the fields a
/// cluster requires, and the cross-references a typo would break at apply or at run time —
/// selectors against pod labels, probe and Service ports against container ports, Secret and
/// ConfigMap names, the HPA's target.
/// </summary>
public sealed class KubernetesManifestTests(ITestOutputHelper output)
{
    private const string Namespace = "platform";

    private sealed record K8sObject(string File, Yaml.Map Doc)
    {
        public string Kind => Doc.S("kind");

        public string Name => Doc.M("metadata").S("name");

        public override string ToString() => $"{Kind}/{Name} ({File})";
    }

    private static List<K8sObject> Kustomized()
    {
        var kustomization = Yaml.Load(Repository.Deploy("k8s", "kustomization.yaml"));
        Assert.Equal(Namespace, kustomization.S("namespace"));
        return kustomization.L("resources").Cast<string>()
            .SelectMany(file => Yaml.LoadAll(Repository.Deploy("k8s", file)).Select(doc => new K8sObject(file, doc)))
            .ToList();
    }

    private static K8sObject Single(List<K8sObject> objects, string kind, string name) =>
        objects.SingleOrDefault(o => o.Kind == kind && o.Name == name) ?? throw new Xunit.Sdk.XunitException($"no {kind}/{name} in deploy/k8s");

    [Fact]
    public void Manifests_EveryObject_IsWellFormedInTheNamespace()
    {
        var objects = Kustomized();
        foreach (var o in objects)
        {
            Assert.False(string.IsNullOrEmpty(o.Doc.MaybeS("apiVersion")), $"{o}: apiVersion");
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", o.Name);
            if (o.Kind != "Namespace")
                Assert.Equal(Namespace, o.Doc.M("metadata").S("namespace"));
            output.WriteLine($"{o.Doc.S("apiVersion"),-30} {o}");
        }

        var kinds = objects.Select(o => $"{o.Kind}/{o.Name}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            [
                "ConfigMap/platform-config", "Deployment/platform-control-plane", "Deployment/platform-worker",
                "HorizontalPodAutoscaler/platform-worker", "Namespace/platform", "NetworkPolicy/platform-control-plane", "NetworkPolicy/platform-worker",
                "PodDisruptionBudget/platform-control-plane", "PodDisruptionBudget/platform-worker",
                "Service/platform-control-plane", "Service/platform-control-plane-internal", "Service/platform-worker",
            ],
            kinds);
        Assert.Equal("autoscaling/v2", Single(objects, "HorizontalPodAutoscaler", "platform-worker").Doc.S("apiVersion"));
        Assert.All(objects.Where(o => o.Kind == "PodDisruptionBudget"), o => Assert.Equal("policy/v1", o.Doc.S("apiVersion")));
        Assert.All(objects.Where(o => o.Kind == "Deployment"), o => Assert.Equal("apps/v1", o.Doc.S("apiVersion")));

        // The optional CloudNativePG cluster is well-formed too and produces the Secret the control plane reads.
        var cnpg = Yaml.Load(Repository.Deploy("k8s", "postgres-cnpg.yaml"));
        Assert.Equal("Cluster", cnpg.S("kind"));
        Assert.Equal("platform-db", cnpg.M("metadata").S("name"));
        Assert.Equal("platform", cnpg.Path("spec.bootstrap.initdb").S("database"));
    }

    [Fact]
    public void Deployments_SelectorsProbesResources_AreConsistent()
    {
        var objects = Kustomized();
        foreach (var deployment in objects.Where(o => o.Kind == "Deployment"))
        {
            var matchLabels = deployment.Doc.Path("spec.selector.matchLabels");
            var podLabels = deployment.Doc.Path("spec.template.metadata.labels");
            AssertSelects(matchLabels, podLabels, deployment.ToString());

            var pod = deployment.Doc.Path("spec.template.spec");
            Assert.Equal("true", pod.M("securityContext").S("runAsNonRoot"));
            var volumes = pod.Maps("volumes").Select(v => v.S("name")).ToHashSet(StringComparer.Ordinal);
            var container = Assert.Single(pod.Maps("containers"));
            Assert.False(string.IsNullOrEmpty(container.MaybeS("image")), $"{deployment}: image");
            var ports = container.Maps("ports").ToDictionary(p => p.S("name"), p => p.S("containerPort"), StringComparer.Ordinal);
            foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
            {
                var p = container.MaybeM(probe) ?? throw new Xunit.Sdk.XunitException($"{deployment}: no {probe}");
                var action = p.MaybeM("httpGet") ?? p.MaybeM("tcpSocket") ?? p.MaybeM("grpc") ?? throw new Xunit.Sdk.XunitException($"{deployment}: {probe} has no action");
                var port = action.S("port");
                Assert.True(ports.ContainsKey(port) || ports.ContainsValue(port), $"{deployment}: {probe} port {port} is not a container port");
            }

            var resources = container.M("resources");
            foreach (var bound in new[] { "requests", "limits" })
            {
                Assert.False(string.IsNullOrEmpty(resources.M(bound).MaybeS("cpu")), $"{deployment}: {bound}.cpu");
                Assert.False(string.IsNullOrEmpty(resources.M(bound).MaybeS("memory")), $"{deployment}: {bound}.memory");
            }

            foreach (var mount in container.Maps("volumeMounts"))
                Assert.Contains(mount.S("name"), volumes);

            // Every Secret and ConfigMap the container reads is defined here, or is the documented database Secret.
            foreach (var reference in container.Maps("envFrom"))
                Single(objects, "ConfigMap", reference.M("configMapRef").S("name"));
            foreach (var env in container.Maps("env"))
            {
                // Secrets are created outside the manifests (README.md): no default value can ship.
                if (env.MaybeM("valueFrom")?.MaybeM("secretKeyRef") is { } secretRef)
                    Assert.Contains(secretRef.S("name"), new[] { "platform-db-app", "platform-secrets" });
            }
        }

        var controlPlane = Single(objects, "Deployment", "platform-control-plane");
        Assert.Equal("2", controlPlane.Doc.Path("spec").S("replicas"));
        var cp = controlPlane.Doc.Path("spec.template.spec").Maps("containers").Single();
        Assert.Equal(["--role", "control-plane"], cp.L("args").Cast<string>());
        Assert.Equal("/healthz", cp.Path("livenessProbe.httpGet").S("path"));
        Assert.Equal("/readyz", cp.Path("readinessProbe.httpGet").S("path"));
        Assert.Equal("/healthz", cp.Path("startupProbe.httpGet").S("path"));
        var cpEnv = cp.Maps("env").ToDictionary(e => e.S("name"), StringComparer.Ordinal);
        Assert.Contains("$(DB_PASSWORD)", cpEnv["ConnectionStrings__Platform"].S("value"), StringComparison.Ordinal);
        // $(VAR) expands only variables defined earlier in the list.
        var names = cp.Maps("env").Select(e => e.S("name")).ToList();
        Assert.All(new[] { "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD" }, v => Assert.True(names.IndexOf(v) >= 0 && names.IndexOf(v) < names.IndexOf("ConnectionStrings__Platform"), v));

        var worker = Single(objects, "Deployment", "platform-worker");
        Assert.False(worker.Doc.M("spec").ContainsKey("replicas"), "the HPA owns the worker replica count");
        var w = worker.Doc.Path("spec.template.spec").Maps("containers").Single();
        Assert.Equal(["--role", "worker"], w.L("args").Cast<string>());
        Assert.Equal("grpc", w.Path("livenessProbe.tcpSocket").S("port"));
        Assert.Equal("grpc", w.Path("readinessProbe.tcpSocket").S("port"));
        var wEnv = w.Maps("env").ToDictionary(e => e.S("name"), StringComparer.Ordinal);
        Assert.Equal("http://$(POD_IP):8090", wEnv["Platform__WorkerAdvertiseUrl"].S("value"));
        Assert.Equal("status.podIP", wEnv["POD_IP"].Path("valueFrom.fieldRef").S("fieldPath"));
        Assert.Equal("http://0.0.0.0:8091", wEnv["Platform__MetricsUrl"].S("value"));
        var config = Single(objects, "ConfigMap", "platform-config").Doc.M("data");
        Assert.Equal("http://platform-control-plane-internal:8082", config.S("Platform__ControlPlaneUrl"));
        Assert.Equal("http://0.0.0.0:8082", config.S("Platform__ClusterUrl"));
        Assert.Equal("http://0.0.0.0:8083", cpEnv["Platform__MetricsUrl"].S("value"));
    }

    [Fact]
    public void Manifests_NoSecretObjectAndNoSecretValue_Shipped()
    {
        var objects = Kustomized();
        Assert.DoesNotContain(objects, o => o.Kind == "Secret");
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(Repository.Deploy("k8s", "kustomization.yaml"))!, "*.yaml"))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("kind: Secret", text, StringComparison.Ordinal);
            Assert.DoesNotContain("admin-key:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("cluster-token:", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ServicesHpaPdbsAndNetworkPolicy_SelectTheRightPods()
    {
        var objects = Kustomized();
        var deployments = objects.Where(o => o.Kind == "Deployment").ToDictionary(o => o.Name, StringComparer.Ordinal);

        foreach (var service in objects.Where(o => o.Kind == "Service"))
        {
            var target = deployments.Values.Single(d => Selects(service.Doc.Path("spec.selector"), d.Doc.Path("spec.template.metadata.labels")));
            AssertSelects(service.Doc.Path("spec.selector"), target.Doc.Path("spec.template.metadata.labels"), service.ToString());
            var container = target.Doc.Path("spec.template.spec").Maps("containers").Single();
            var ports = container.Maps("ports").ToDictionary(p => p.S("name"), p => p.S("containerPort"), StringComparer.Ordinal);
            foreach (var port in service.Doc.M("spec").Maps("ports"))
                Assert.True(ports.ContainsKey(port.S("targetPort")) || ports.ContainsValue(port.S("targetPort")), $"{service}: targetPort {port.S("targetPort")}");
        }

        Assert.Equal("None", Single(objects, "Service", "platform-worker").Doc.M("spec").S("clusterIP"));
        var controlPlaneService = Single(objects, "Service", "platform-control-plane").Doc.M("spec");
        Assert.Equal(["8080", "8081"], controlPlaneService.Maps("ports").Select(p => p.S("port")));
        var internalService = Single(objects, "Service", "platform-control-plane-internal").Doc.M("spec");
        Assert.Equal(["8082", "8083"], internalService.Maps("ports").Select(p => p.S("port")));

        var hpa = Single(objects, "HorizontalPodAutoscaler", "platform-worker").Doc.M("spec");
        var target2 = hpa.M("scaleTargetRef");
        Assert.Equal("Deployment", target2.S("kind"));
        Assert.Equal("apps/v1", target2.S("apiVersion"));
        Assert.True(deployments.ContainsKey(target2.S("name")), $"HPA target {target2.S("name")}");
        Assert.Equal("platform-worker", target2.S("name"));
        var min = int.Parse(hpa.S("minReplicas"), System.Globalization.CultureInfo.InvariantCulture);
        var max = int.Parse(hpa.S("maxReplicas"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(min, 2, max);
        var cpu = hpa.Maps("metrics").Single(m => m.S("type") == "Resource").M("resource");
        Assert.Equal("cpu", cpu.S("name"));
        Assert.Equal("Utilization", cpu.M("target").S("type"));
        output.WriteLine($"HPA platform-worker: {min}..{max} replicas at {cpu.M("target").S("averageUtilization")}% CPU");

        foreach (var pdb in objects.Where(o => o.Kind == "PodDisruptionBudget"))
        {
            var target = deployments[pdb.Name];
            AssertSelects(pdb.Doc.Path("spec.selector.matchLabels"), target.Doc.Path("spec.template.metadata.labels"), pdb.ToString());
            var spec = pdb.Doc.M("spec");
            Assert.True(spec.ContainsKey("minAvailable") ^ spec.ContainsKey("maxUnavailable"), $"{pdb}: exactly one of minAvailable/maxUnavailable");
            // A PDB must never select the other component's pods.
            foreach (var other in deployments.Values.Where(d => d.Name != pdb.Name))
                Assert.False(Selects(pdb.Doc.Path("spec.selector.matchLabels"), other.Doc.Path("spec.template.metadata.labels")), $"{pdb} also selects {other}");
        }

        Assert.Equal("1", Single(objects, "PodDisruptionBudget", "platform-control-plane").Doc.M("spec").S("minAvailable"));

        var policy = Single(objects, "NetworkPolicy", "platform-worker").Doc.M("spec");
        AssertSelects(policy.Path("podSelector.matchLabels"), deployments["platform-worker"].Doc.Path("spec.template.metadata.labels"), "NetworkPolicy/platform-worker");
        var from = policy.Maps("ingress").First().Maps("from").Single().Path("podSelector.matchLabels");
        AssertSelects(from, deployments["platform-control-plane"].Doc.Path("spec.template.metadata.labels"), "NetworkPolicy/platform-worker ingress");

        // The control plane's cluster port admits worker pods only.
        var cpPolicy = Single(objects, "NetworkPolicy", "platform-control-plane").Doc.M("spec");
        AssertSelects(cpPolicy.Path("podSelector.matchLabels"), deployments["platform-control-plane"].Doc.Path("spec.template.metadata.labels"), "NetworkPolicy/platform-control-plane");
        var clusterRule = cpPolicy.Maps("ingress").Single(r => r.Maps("ports").Any(p => p.S("port") == "8082"));
        Assert.Equal(["8082"], clusterRule.Maps("ports").Select(p => p.S("port")));
        AssertSelects(clusterRule.Maps("from").Single().Path("podSelector.matchLabels"), deployments["platform-worker"].Doc.Path("spec.template.metadata.labels"), "NetworkPolicy/platform-control-plane cluster ingress");
    }

    private static bool Selects(Yaml.Map selector, Yaml.Map labels) =>
        selector.Count > 0 && selector.All(kv => labels.TryGetValue(kv.Key, out var value) && Equals(value, kv.Value));

    private static void AssertSelects(Yaml.Map selector, Yaml.Map labels, string what) =>
        Assert.True(Selects(selector, labels), $"{what}: selector {{{string.Join(", ", selector.Select(kv => $"{kv.Key}={kv.Value}"))}}} does not match the pod labels {{{string.Join(", ", labels.Select(kv => $"{kv.Key}={kv.Value}"))}}}");
}
