namespace Platform.ControlPlane.Tests;

/// <summary>One PostgreSQL server for the whole assembly; every test gets its own database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
