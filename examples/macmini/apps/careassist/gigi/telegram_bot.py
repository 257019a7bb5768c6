"""Telegram bot for the office staff: ask Gigi, check today's shifts.

Run by launchd (com.frontrangecare.telegram-bot) as
`.venv/bin/python gigi/telegram_bot.py` from ~/apps/careassist.
"""
import logging
import os
import sys
from pathlib import Path

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

# launchd starts us as a script, so make the package importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gigi import main as gigi_main  # noqa: E402
from gigi import voice_brain  # noqa: E402

logging.basicConfig(
    format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
)
log = logging.getLogger("telegram_bot")

ALLOWED = {
    int(x) for x in os.environ.get("TELEGRAM_ALLOWED_CHAT_IDS", "").split(",") if x.strip()
}


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE):
    await update.message.reply_text("Hi, I'm Gigi. Ask me about today's visits.")


async def shifts(update: Update, context: ContextTypes.DEFAULT_TYPE):
    if update.effective_chat.id not in ALLOWED:
        return
    profile = {"kind": "staff", "full_name": update.effective_user.first_name}
    reply = voice_brain.answer("Which shifts today are still unassigned?", profile)
    await update.message.reply_text(reply)


async def sms(update: Update, context: ContextTypes.DEFAULT_TYPE):
    """/sms +15555550111 text... - send a text through RingCentral."""
    if update.effective_chat.id not in ALLOWED or len(context.args) < 2:
        return
    msg_id = gigi_main.send_sms(context.args[0], " ".join(context.args[1:]))
    await update.message.reply_text(f"sent ({msg_id})")


async def free_text(update: Update, context: ContextTypes.DEFAULT_TYPE):
    if update.effective_chat.id not in ALLOWED:
        return
    profile = gigi_main.caller_profile(update.effective_user.username or "")
    await update.message.reply_text(voice_brain.answer(update.message.text, profile))


def main():
    app = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("shifts", shifts))
    app.add_handler(CommandHandler("sms", sms))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, free_text))
    log.info("starting polling")
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
