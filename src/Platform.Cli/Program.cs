using Platform.Cli;

return await PlatformCtl.InvokeAsync(args);
