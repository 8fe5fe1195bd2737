using YamlDotNet.RepresentationModel;

namespace Platform.Operations.Tests;

/// <summary>
/// YAML as plain trees: mappings are <see cref="Map"/> (ordered, string keys), sequences are
/// <see cref="List{T}"/>, scalars are strings (null for <c>~</c>/empty). Enough to assert on
/// manifests and configuration files.
/// </summary>
internal static class Yaml
{
    public sealed class Map : Dictionary<string, object?>
    {
        public Map()
            : base(StringComparer.Ordinal)
        {
        }

        public string Where { get; init; } = "";

        public Map M(string key) => this.GetValueOrDefault(key) as Map ?? throw new KeyNotFoundException($"{Where}: '{key}' is not a mapping");

        public Map? MaybeM(string key) => this.GetValueOrDefault(key) as Map;

        public List<object?> L(string key) => this.GetValueOrDefault(key) as List<object?> ?? throw new KeyNotFoundException($"{Where}: '{key}' is not a sequence");

        public List<object?>? MaybeL(string key) => this.GetValueOrDefault(key) as List<object?>;

        public string S(string key) => this.GetValueOrDefault(key) as string ?? throw new KeyNotFoundException($"{Where}: '{key}' is not a scalar");

        public string? MaybeS(string key) => this.GetValueOrDefault(key) as string;

        public IEnumerable<Map> Maps(string key) => (this.MaybeL(key) ?? []).OfType<Map>();

        /// <summary>Follows a dotted path of mapping keys: <c>spec.template.spec</c>.</summary>
        public Map Path(string dotted) => dotted.Split('.').Aggregate(this, (map, key) => map.M(key));
    }

    /// <summary>Every document of a (multi-document) YAML file.</summary>
    public static List<Map> LoadAll(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
            stream.Load(reader);
        var name = System.IO.Path.GetFileName(path);
        return stream.Documents
            .Where(d => d.RootNode is YamlMappingNode)
            .Select((d, i) => (Map)Convert(d.RootNode, $"{name}#{i}")!)
            .ToList();
    }

    public static Map Load(string path) => LoadAll(path).Single();

    public static YamlStream LoadStream(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream;
    }

    private static object? Convert(YamlNode node, string where) => node switch
    {
        YamlMappingNode mapping => ToMap(mapping, where),
        YamlSequenceNode sequence => sequence.Children.Select((child, i) => Convert(child, $"{where}[{i}]")).ToList(),
        YamlScalarNode scalar => scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "~" or "null" or "" ? null : scalar.Value,
        _ => null,
    };

    private static Map ToMap(YamlMappingNode mapping, string where)
    {
        var map = new Map { Where = where };
        foreach (var (key, value) in mapping.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            map[name] = Convert(value, $"{where}.{name}");
        }

        return map;
    }
}
