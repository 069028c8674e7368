-- agentica in avante.nvim (https://github.com/yetone/avante.nvim) as an ACP provider.
-- Put this in avante's setup (lazy.nvim: the `opts` of the plugin spec).
require("avante").setup({
  provider = "agentica",
  acp_providers = {
    ["agentica"] = {
      command = "agentica-acp",
      args = { "--mode", "ask" },
      env = {
        AGENTICA_MODEL = os.getenv("AGENTICA_MODEL") or "openai/gpt-4.1-mini",
        OPENAI_API_KEY = os.getenv("OPENAI_API_KEY"),
      },
    },
  },
})
